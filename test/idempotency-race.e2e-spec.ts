import type { AuthResult, Message, MessagePage, Room } from '@parley/contract';
import type { RunningServer } from '../apps/server/src/server';
import { Api, collect, emitOk, eventually, openSocket, uniqueName, type TestSocket } from './support/client';
import { startTestCluster } from './support/server';

/**
 * A send and its retry racing on two instances (a client that timed out on A and retried on B while A's send
 * was still in flight): one row, the room's seq moved by one, and both callers acked with the same message.
 */
describe('a clientMsgId sent on two instances at once', () => {
  let servers: RunningServer[];
  let api: Api;
  let author: AuthResult;
  let watcherUser: AuthResult;
  const sockets: TestSocket[] = [];

  const open = (server: RunningServer, user: AuthResult): Promise<TestSocket> => openSocket(server.url, user, { into: sockets });

  beforeAll(async () => {
    // Rooms spread over several writer shards, so some rooms' writer is A and others' is B.
    servers = await startTestCluster(2, { WRITER_SHARDS: '4' });
    api = new Api(servers[0]!.url);
    [author, watcherUser] = await Promise.all([api.register(uniqueName('idem')), api.register(uniqueName('iwat'))]);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('stores one message, moves lastSeq by one, acks both with it and broadcasts it once', async () => {
    const onA = await open(servers[0]!, author);
    const onB = await open(servers[1]!, author);
    const watcher = await open(servers[1]!, watcherUser);
    const rooms: Room[] = [];
    for (let i = 0; i < 4; i++) rooms.push(await api.createRoom(author.accessToken, uniqueName('Race')));
    for (const room of rooms) {
      await api.post(`/api/rooms/${room.id}/join`, {}, watcherUser.accessToken);
      for (const socket of [onA, onB, watcher]) await emitOk(socket, 'room:join', { roomId: room.id });
    }
    const heard = collect<Message>(watcher, 'message:new');

    for (const [i, room] of rooms.entries()) {
      for (let round = 0; round < 5; round++) {
        const payload = { roomId: room.id, content: `race ${i}.${round}`, clientMsgId: `race-${i}-${round}` };
        const [fromA, fromB, fromRest] = await Promise.all([
          emitOk<Message>(onA, 'message:send', payload),
          emitOk<Message>(onB, 'message:send', payload),
          new Api(servers[round % 2]!.url).post<Message>(`/api/rooms/${room.id}/messages`, { content: payload.content, clientMsgId: payload.clientMsgId }, author.accessToken),
        ]);
        expect(fromB).toEqual(fromA);
        expect(fromRest.body).toEqual(fromA);
        expect(fromA.seq).toBe(round + 2); // seq 1: the watcher's join (a system message)
      }
    }

    for (const room of rooms) {
      const history = await api.get<MessagePage>(`/api/rooms/${room.id}/messages?limit=50`, author.accessToken);
      expect(history.body.messages.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect((await api.get<Room>(`/api/rooms/${room.id}`, author.accessToken)).body.lastSeq).toBe(6);
    }
    // A marker in each room after everything else: a room's messages arrive in seq order, so once its marker
    // has arrived, a duplicate broadcast of that room would have arrived too.
    const markers = await Promise.all(rooms.map((room, i) => emitOk<Message>(onA, 'message:send', { roomId: room.id, content: 'marker', clientMsgId: `marker-${i}` })));
    const markerIds = new Set(markers.map((marker) => marker.id));
    await eventually(() => heard.filter((message) => markerIds.has(message.id)).length === markers.length, 5000, 'the markers');
    // Each stored message reaches the watcher once, whichever instance wrote it.
    expect(heard.filter((message) => !markerIds.has(message.id)).map((message) => message.clientMsgId).sort()).toEqual(
      rooms.flatMap((_, i) => Array.from({ length: 5 }, (__, round) => `race-${i}-${round}`)).sort(),
    );
  });
});
