import type { RunningServer } from '../apps/server/src/server';
import type { AuthResult, Message, RoomJoinResult } from '@parley/contract';
import { Api, collect, connected, connectSocket, emitOk, eventually, uniqueName, type TestSocket } from './support/client';
import { RedisServer } from '../tools/redis-server';
import { startTestCluster } from './support/server';

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
    const a = await connected(connectSocket(servers[0]!.url, alice.accessToken));
    const b = await connected(connectSocket(servers[1]!.url, bob.accessToken));
    sockets.push(a, b);
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
    expect(during.seq).toBe(2);
    await eventually(() => atA.length === 2, 3000, 'local delivery during the outage');
    const viaRest = await apiB.post<Message>(`/api/rooms/${room.id}/messages`, { content: 'rest during' }, bob.accessToken);
    expect(viaRest.status).toBe(201);
    expect(a.connected && b.connected).toBe(true);

    await redis.start();
    await eventually(async () => (await apiA.get('/api/health')).status === 200 && (await apiB.get('/api/health')).status === 200, 15_000, 'recovery');

    // The next message crosses again; the other instance fills what it missed from the database, in order.
    await emitOk(a, 'message:send', { roomId: room.id, content: 'after' });
    await eventually(() => atB.length === 4 && atA.length === 4, 10_000, 'delivery after recovery');
    expect(atB.map((message) => message.seq)).toEqual([1, 2, 3, 4]);
    expect(atA.map((message) => message.seq)).toEqual([1, 2, 3, 4]);

    // A client can always recover with catch-up as well.
    const catchUp = await emitOk<RoomJoinResult>(b, 'room:join', { roomId: room.id, sinceSeq: 1 });
    expect(catchUp.messages.map((message) => message.content)).toEqual(['during', 'rest during', 'after']);
  });

  it('hears the rooms it joined during the outage once Redis is back, and sends do not wait on it meanwhile', async () => {
    const [apiA, apiB] = servers.map((server) => new Api(server.url)) as [Api, Api];
    const room = await apiA.createRoom(alice.accessToken, uniqueName('JoinedDuring'));
    const a = await connected(connectSocket(servers[0]!.url, alice.accessToken));
    sockets.push(a);
    await emitOk(a, 'room:join', { roomId: room.id });
    const first = await emitOk<Message>(a, 'message:send', { roomId: room.id, content: 'to be edited' });

    await redis.stop();
    await eventually(async () => (await apiB.get('/api/health')).status === 503 && (await apiA.get('/api/health')).status === 503, 10_000, 'Redis down on both');
    // Bob's socket joins on the other instance while Redis is away: the room's channel cannot be subscribed now.
    const b = await connected(connectSocket(servers[1]!.url, bob.accessToken));
    sockets.push(b);
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
});
