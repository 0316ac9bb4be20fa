import type { Ack, Message } from '@parley/contract';
import { Client } from 'pg';
import { Api, connected, connectSocket, emitAck, emitOk, uniqueName } from './support/client';
import { createTestDatabase, startTestServer } from './support/server';

describe('graceful shutdown', () => {
  it('acks only committed messages, commits what it accepted, and closes transports so clients reconnect', async () => {
    const databaseUrl = await createTestDatabase();
    const server = await startTestServer({}, databaseUrl);
    const api = new Api(server.url);
    const user = await api.register(uniqueName('shut'));
    const room = await api.createRoom(user.accessToken, uniqueName('Closing'));
    const socket = await connected(connectSocket(server.url, user.accessToken));
    await emitOk(socket, 'room:join', { roomId: room.id });
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    // A stream of sends; shut down once the first is acked, while later ones are in flight.
    const sends: Array<Promise<Ack<Message> | 'no ack'>> = [];
    for (let i = 0; i < 50; i++) {
      const ack = Promise.race([
        emitAck<Message>(socket, 'message:send', { roomId: room.id, content: `m${i}`, clientMsgId: `k${i}` }),
        disconnected.then(() => 'no ack' as const),
      ]);
      sends.push(ack);
    }
    await sends[0];
    const closing = server.close();
    const outcomes = await Promise.all(sends);
    await closing;
    // "transport close" (not "io server disconnect") is what makes socket.io-client reconnect by itself.
    expect(await disconnected).toBe('transport close');

    const acked = outcomes.flatMap((outcome) => (outcome !== 'no ack' && outcome.ok ? [outcome.data] : []));
    expect(acked.length).toBeGreaterThan(0);
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const stored = await db.query<{ id: string; seq: string }>('SELECT id, seq FROM messages WHERE room_id = $1 ORDER BY seq', [room.id]);
      const storedIds = new Set(stored.rows.map((row) => row.id));
      for (const message of acked) expect(storedIds.has(message.id)).toBe(true);
      // Gapless even across the shutdown.
      expect(stored.rows.map((row) => Number(row.seq))).toEqual(stored.rows.map((_, i) => i + 1));
    } finally {
      await db.end();
    }
    // Refusals during shutdown carry a contract code.
    for (const outcome of outcomes) {
      if (outcome !== 'no ack' && !outcome.ok) expect(outcome.error.code).toBe('unavailable');
    }
  });
});
