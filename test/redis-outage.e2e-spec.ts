import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, Member, Message, RoomJoinResult } from '@parley/contract';
import { Api, collect, emitOk, eventually, openSocket, uniqueName, type TestSocket } from './support/client';
import { RedisServer } from '../tools/redis-server';
import { startTestCluster } from './support/server';
import { SseClient } from './support/sse';

describe('Redis goes away and comes back', () => {
  let redis: RedisServer;
  let servers: RunningServer[];
  let alice: AuthResult;
  let bob: AuthResult;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    servers = await startTestCluster(2, {}, redis.url);
    alice = await new Api(servers[0]!.url).register(uniqueName('ra'));
    bob = await new Api(servers[1]!.url).register(uniqueName('rb'));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(servers.map((server) => server.close()));
    await redis.stop();
  });

  it('keeps serving local sockets, reports the degradation, then recovers and fills the gap by itself', async () => {
    const [apiA, apiB] = servers.map((server) => new Api(server.url)) as [Api, Api];
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Outage'));
    const a = await openSocket(servers[0]!.url, alice, { into: sockets });
    const b = await openSocket(servers[1]!.url, bob, { into: sockets });
    await emitOk(a, 'room:join', { roomId: room.id });
    await emitOk(b, 'room:join', { roomId: room.id });
    const atA = collect<Message>(a, 'message:new');
    const atB = collect<Message>(b, 'message:new');
    await emitOk(a, 'message:send', { roomId: room.id, content: 'before' });
    await eventually(() => atB.length === 1, 3000, 'delivery before the outage');

    await redis.stop();
    await eventually(async () => (await apiA.get('/api/health')).status === 503, 10_000, 'health to report Redis down');
    const health = await apiA.get<{ status: string; checks: Record<string, { status: string }> }>('/api/health');
    expect(health.body.checks.redis?.status).toBe('down');
    expect(health.body.checks.database?.status).toBe('up');

    // Sends are still committed and acked, and local subscribers still get them.
    const during = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'during' });
    expect(during.seq).toBe(3); // seq 1: bob's join (a system message), 2: 'before'
    await eventually(() => atA.length === 2, 3000, 'local delivery during the outage');
    const viaRest = await apiB.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'rest during' }, bob.accessToken);
    expect(viaRest.status).toBe(201);
    expect(a.connected && b.connected).toBe(true);

    await redis.start();
    await eventually(async () => (await apiA.get('/api/health')).status === 200 && (await apiB.get('/api/health')).status === 200, 15_000, 'recovery');

    // The next message crosses again; the other instance fills what it missed from the database, in order.
    await emitOk(a, 'message:send', { roomId: room.id, content: 'after' });
    await eventually(() => atB.length === 4 && atA.length === 4, 10_000, 'delivery after recovery');
    expect(atB.map((message) => message.seq)).toEqual([2, 3, 4, 5]);
    expect(atA.map((message) => message.seq)).toEqual([2, 3, 4, 5]);

    // A client can always recover with catch-up as well.
    const catchUp = await emitOk<RoomJoinResult>(b, 'room:join', { roomId: room.id, sinceSeq: 2 });
    expect(catchUp.messages.map((message) => message.content)).toEqual(['during', 'rest during', 'after']);
  });

  it('hears the rooms it joined during the outage once Redis is back, and sends do not wait on it meanwhile', async () => {
    const [apiA, apiB] = servers.map((server) => new Api(server.url)) as [Api, Api];
    const room = await apiA.createRoom(alice.accessToken, uniqueName('JoinedDuring'));
    const a = await openSocket(servers[0]!.url, alice, { into: sockets });
    await emitOk(a, 'room:join', { roomId: room.id });
    const first = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'to be edited' });

    await redis.stop();
    await eventually(async () => (await apiB.get('/api/health')).status === 503 && (await apiA.get('/api/health')).status === 503, 10_000, 'Redis down on both');
    // Bob's socket joins on the other instance while Redis is away: the room's channel cannot be subscribed now.
    const b = await openSocket(servers[1]!.url, bob, { into: sockets });
    await emitOk(b, 'room:join', { roomId: room.id });
    // With Redis known to be down, a send neither waits for the rate limit nor for the writer's lease to time out.
    const started = Date.now();
    await emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'while down' });
    const sendMs = Date.now() - started;

    await redis.start();
    await eventually(async () => (await apiA.get('/api/health')).status === 200 && (await apiB.get('/api/health')).status === 200, 15_000, 'recovery');
    const updated = new Promise<Message>((resolve) => b.once('message:updated', resolve));
    const typing = new Promise<unknown>((resolve) => b.once('typing', resolve));
    await emitOk(a, 'message:edit', { messageId: first.id, content: 'edited after recovery' });
    await emitOk(a, 'typing', { roomId: room.id, isTyping: true });
    expect((await updated).content).toBe('edited after recovery');
    expect(await typing).toEqual({ roomId: room.id, user: expect.objectContaining({ id: alice.user.id }), isTyping: true });
    // It took about 1.3 s when sends waited for Redis commands to fail; failing fast takes milliseconds.
    expect(sendMs).toBeLessThan(1000);
  });

  it('after the outage, shows who connected meanwhile as online everywhere and fills the notifications it missed', async () => {
    const [apiA, apiB] = servers.map((server) => new Api(server.url)) as [Api, Api];
    const carol = await apiB.register(uniqueName('rcar'));
    const room = await apiA.createRoom(alice.accessToken, uniqueName('AfterOutage'));
    for (const user of [bob, carol]) expect((await apiB.post(`/api/rooms/${room.id}/join`, {}, user.accessToken)).status).toBe(200);
    const a = await openSocket(servers[0]!.url, alice, { into: sockets });
    await emitOk(a, 'room:join', { roomId: room.id });
    // Bob's notification stream on the other instance, live before the outage.
    const bobStream = await SseClient.connect(`${servers[1]!.url}/api/notifications/stream?token=${bob.accessToken}`);
    try {
      expect(bobStream.status).toBe(200);
      await emitOk(a, 'message:send', { roomId: room.id, content: `@${bob.user.username} before` });
      await eventually(() => bobStream.of('mention').length === 1, 5000, 'the mention before the outage');

      await redis.stop();
      await eventually(async () => (await apiB.get('/api/health')).status === 503 && (await apiA.get('/api/health')).status === 503, 10_000, 'Redis down on both');
      // Carol comes online on B while Redis is away; Alice mentions Bob (stored, not published).
      const c = await openSocket(servers[1]!.url, carol, { into: sockets });
      await emitOk(c, 'room:join', { roomId: room.id });
      await emitOk(a, 'message:send', { roomId: room.id, content: `@${bob.user.username} during` });

      await redis.start();
      await eventually(async () => (await apiA.get('/api/health')).status === 200 && (await apiB.get('/api/health')).status === 200, 15_000, 'recovery');
      // Presence: instance A (whose view comes from Redis) sees Carol online once B has restored its entries.
      const carolOnline = async (): Promise<boolean> =>
        (await apiA.get<Member[]>(`/api/rooms/${room.id}/members`, alice.accessToken)).body.find((member) => member.user.id === carol.user.id)?.online === true;
      await eventually(carolOnline, 15_000, 'Carol online on the other instance after recovery');

      // Notifications: the next mention reaches the stream, and the one made during the outage is filled in
      // before it, from the database, in id order.
      await emitOk(a, 'message:send', { roomId: room.id, content: `@${bob.user.username} after` });
      await eventually(() => bobStream.of('mention').length === 3, 10_000, 'the mentions after recovery');
      const mentions = bobStream.of<{ preview: string }>('mention');
      expect(mentions.map((mention) => mention.data.preview)).toEqual([`@${bob.user.username} before`, `@${bob.user.username} during`, `@${bob.user.username} after`]);
      const ids = mentions.map((mention) => Number(mention.id));
      expect(ids).toEqual([ids[0]!, ids[0]! + 1, ids[0]! + 2]);
    } finally {
      await bobStream.close();
    }
  });
});
