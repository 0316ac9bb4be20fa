import type { RunningServer } from '../apps/server/src/server';
import type { DurableNotification, Message, Room } from '@parley/contract';
import { Api, emitOk, eventually, openSocket, uniqueName, type TestSocket } from './support/client';
import { startTestCluster } from './support/server';
import { SseClient } from './support/sse';

/**
 * Nothing about a private room reaches a non-member, on any channel: every SSE event type and every socket
 * event type is produced in a private room and a DM while an outsider listens on both instances.
 */
describe('privacy of private rooms and direct rooms', () => {
  let servers: RunningServer[];
  const streams: SseClient[] = [];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    servers = await startTestCluster(2, { TYPING_TIMEOUT_MS: '300' });
  });
  // Closed even when an assertion fails, so that a failure is reported as itself, not as a hook timeout.
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await Promise.all(streams.splice(0).map((stream) => stream.close()));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('tells an outsider nothing, while members hear everything', async () => {
    const [apiA, apiB] = servers.map((server) => new Api(server.url)) as [Api, Api];
    const [alice, bob, eve] = await Promise.all([apiA.register(uniqueName('pa')), apiB.register(uniqueName('pb')), apiB.register(uniqueName('pe'))]);

    const eveStreams = await Promise.all(servers.map((server) => SseClient.connect(`${server.url}/api/notifications/stream?token=${eve.accessToken}`)));
    streams.push(...eveStreams);
    expect(eveStreams.map((stream) => stream.status)).toEqual([200, 200]);
    const eveSockets: TestSocket[] = await Promise.all(servers.map((server) => openSocket(server.url, eve, { into: sockets })));
    const eveSocketEvents: Array<{ socket: TestSocket; event: string; payload: unknown }> = [];
    for (const socket of eveSockets) socket.onAny((event: string, payload: unknown) => eveSocketEvents.push({ socket, event, payload }));
    const bobStream = await SseClient.connect(`${servers[1]!.url}/api/notifications/stream?token=${bob.accessToken}`);
    streams.push(bobStream);
    expect(bobStream.status).toBe(200);
    // Eve's sockets listen to a public room, where the socket marker will come from.
    const lobby = await apiA.createRoom(alice.accessToken, uniqueName('Lobby'));
    for (const socket of eveSockets) await emitOk(socket, 'room:join', { roomId: lobby.id });

    // Every kind of event, in a private room and a DM.
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Vault'), 'private');
    await apiA.post(`/api/rooms/${room.id}/members`, { userId: bob.user.id }, alice.accessToken);
    const a = await openSocket(servers[0]!.url, alice, { into: sockets });
    const b = await openSocket(servers[1]!.url, bob, { into: sockets });
    await emitOk(a, 'room:join', { roomId: room.id });
    await emitOk(b, 'room:join', { roomId: room.id });
    const message = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: `@${eve.user.username} @${bob.user.username} secret plans` });
    await emitOk(b, 'typing', { roomId: room.id, isTyping: true });
    await emitOk(b, 'message:read', { roomId: room.id, seq: message.seq });
    await emitOk(a, 'message:edit', { messageId: message.id, content: 'edited secret' });
    await emitOk(a, 'message:delete', { messageId: message.id });
    await apiA.request('PATCH', `/api/rooms/${room.id}`, { token: alice.accessToken, body: { description: 'still secret' } });
    const dm = (await apiA.post<Room>('/api/dms', { userId: bob.user.id }, alice.accessToken)).body;
    await apiA.post(`/api/rooms/${dm.id}/messages`, { content: `dm mentioning @${eve.user.username}` }, alice.accessToken);
    await apiB.post(`/api/rooms/${room.id}/leave`, undefined, bob.accessToken);
    await apiA.request('DELETE', `/api/rooms/${room.id}`, { token: alice.accessToken });

    // The member heard it (so the events were really produced)...
    await eventually(
      () => ['room.invited', 'message.created', 'mention', 'dm.created', 'member.left'].every((type) => bobStream.of(type).length > 0),
      5000,
      'member notifications',
    );
    // Markers sent after everything, on the paths a leak would take: a public room.created (the channel of
    // every stream), a mention of Eve (her user channel) and a message in the lobby (her sockets' room, on
    // both instances). Eve's streams and sockets are open and hear them, so they would have heard a leak first.
    const announced = await apiA.createRoom(alice.accessToken, uniqueName('Announced'));
    const marker = (await apiA.post<Message>(`/api/rooms/${lobby.id}/messages`, { content: `marker for @${eve.user.username}` }, alice.accessToken)).body;
    await eventually(
      () =>
        eveStreams.every(
          (stream) =>
            stream.of<Room>('room.created').some((event) => event.data.id === announced.id) &&
            stream.of<{ roomId: string }>('mention').some((event) => event.data.roomId === lobby.id),
        ) && eveSockets.every((socket) => eveSocketEvents.some((entry) => entry.event === 'message:new' && (entry.payload as Message).id === marker.id && entry.socket === socket)),
      5000,
      "the markers on Eve's streams and sockets",
    );
    // ...and the outsider heard nothing about either room.
    const leaked = (payload: unknown): boolean => JSON.stringify(payload).includes(room.id) || JSON.stringify(payload).includes(dm.id);
    for (const stream of eveStreams) expect(stream.events.filter((event) => leaked(event.data))).toEqual([]);
    expect(eveSocketEvents.filter((entry) => leaked(entry.payload))).toEqual([]);
    // Eve's stored notifications are the marker mention alone.
    const stored = (await apiB.get<DurableNotification[]>('/api/notifications', eve.accessToken)).body;
    expect(stored.map((notification) => [notification.type, (notification.data as { roomId?: string }).roomId])).toEqual([['mention', lobby.id]]);
  });
});
