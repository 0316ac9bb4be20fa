import type { Ack, Message } from '@parley/contract';
import { expectAckedStoredGapless } from './support/database';
import { ackOrDisconnect, Api, emitOk, openSocket, uniqueName } from './support/client';
import { createTestDatabase, startTestServer } from './support/server';

describe('graceful shutdown', () => {
  it('acks only committed messages, commits what it accepted, and closes transports so clients reconnect', async () => {
    const databaseUrl = await createTestDatabase();
    const server = await startTestServer({}, databaseUrl);
    const api = new Api(server.url);
    const user = await api.register(uniqueName('shut'));
    const room = await api.createRoom(user.accessToken, uniqueName('Closing'));
    const socket = await openSocket(server.url, user);
    await emitOk(socket, 'room:join', { roomId: room.id });
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    // A stream of sends; shut down once the first is acked, while later ones are in flight.
    const sends: Array<Promise<Ack<Message> | 'no ack'>> = [];
    for (let i = 0; i < 50; i++) {
      const ack = ackOrDisconnect<Message>(socket, 'message:send', { roomId: room.id, content: `m${i}`, clientMsgId: `k${i}` });
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
    // Gapless even across the shutdown.
    await expectAckedStoredGapless(databaseUrl, room.id, acked);
    // Refusals during shutdown carry a contract code.
    for (const outcome of outcomes) {
      if (outcome !== 'no ack' && !outcome.ok) expect(outcome.error.code).toBe('unavailable');
    }
  });
});
