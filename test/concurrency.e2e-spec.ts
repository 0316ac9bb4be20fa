import type { RunningServer } from '../apps/server/src/server';
import type { Message, MessagePage } from '@parley/contract';
import { Api, collect, emitOk, eventually, openSocket, sentSeqs, uniqueName, type TestSocket } from './support/client';
import { startTestServer } from './support/server';

const SENDERS = 20;
const TOTAL = 500;

describe('concurrent senders into one room', () => {
  let server: RunningServer;
  let api: Api;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    api = new Api(server.url);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server.close();
  });

  it(`${SENDERS} sockets sending ${TOTAL} messages get seqs 1..${TOTAL}, and every subscriber receives all in seq order`, async () => {
    const users = await Promise.all(Array.from({ length: SENDERS }, (_, i) => api.register(uniqueName(`s${i}_`))));
    const room = await api.createRoom(users[0]!.accessToken, uniqueName('Storm'));
    for (const user of users) {
      const socket = await openSocket(server.url, user, { into: sockets });
      await emitOk(socket, 'room:join', { roomId: room.id });
    }
    const inboxes = sockets.map((socket) => collect<Message>(socket, 'message:new'));

    // Every socket fires its share at once, without waiting for acks: maximal interleaving.
    const acks = await Promise.all(
      Array.from({ length: TOTAL }, (_, i) =>
        emitOk<Message>(sockets[i % SENDERS]!, 'message:send', { roomId: room.id, content: `message ${i}`, clientMsgId: `storm-${i}` }),
      ),
    );

    // The other senders' joins (system messages) took the first seqs; the sends follow, gapless.
    const joins = SENDERS - 1;
    const seqs = acks.map((message) => message.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: TOTAL }, (_, i) => joins + i + 1));
    // Each ack belongs to its own send.
    acks.forEach((message, i) => expect(message.clientMsgId).toBe(`storm-${i}`));

    // The last joins' lines may reach other subscribers after their own join was acked: only the sends count.
    await eventually(() => inboxes.every((inbox) => sentSeqs(inbox).length >= TOTAL), 20_000, 'all deliveries');
    for (const inbox of inboxes) {
      expect(sentSeqs(inbox)).toEqual(Array.from({ length: TOTAL }, (_, i) => joins + i + 1));
    }

    // The database agrees: no gap, no duplicate.
    let stored: Message[] = [];
    for (let after = 0; ; ) {
      const page = await api.get<MessagePage>(`/api/rooms/${room.id}/messages?after=${after}&limit=200`, users[0]!.accessToken);
      stored = stored.concat(page.body.messages);
      if (!page.body.hasMore) break;
      after = page.body.messages[page.body.messages.length - 1]!.seq;
    }
    expect(stored.map((message) => message.seq)).toEqual(Array.from({ length: joins + TOTAL }, (_, i) => i + 1));
    expect(new Set(stored.filter((message) => message.type === 'text').map((message) => message.clientMsgId)).size).toBe(TOTAL);
  });
});
