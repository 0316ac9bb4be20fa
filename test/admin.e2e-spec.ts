import type { RunningServer } from '../apps/server/src/server';
import type { AdminStats, AnnouncementEvent, AuthResult, ErrorBody } from '@parley/contract';
import { Api, emitOk, eventually, nextEvent, openSocket, uniqueName, type TestSocket } from './support/client';
import { runAdminCommand } from '../apps/server/src/admin-cli';
import { startTestCluster, testEnv } from './support/server';
import { SseClient } from './support/sse';

describe('admin, health and metrics across two instances', () => {
  let servers: RunningServer[];
  let apiA: Api;
  let apiB: Api;
  let admin: AuthResult;
  let user: AuthResult;
  const adminName = uniqueName('Boss');
  const sockets: TestSocket[] = [];
  const streams: SseClient[] = [];

  beforeAll(async () => {
    servers = await startTestCluster(2, { STATS_INTERVAL_MS: '200' });
    apiA = new Api(servers[0]!.url);
    apiB = new Api(servers[1]!.url);
    [admin, user] = await Promise.all([apiA.register(adminName), apiB.register(uniqueName('plain'))]);
    await runAdminCommand(['grant', adminName.toLowerCase()], testEnv(servers[0]!.config.databaseUrl as string));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(streams.map((stream) => stream.close()));
    await Promise.all(servers.map((server) => server.close()));
  });

  it.each([
    ['GET', '/api/admin/stats'],
    ['GET', '/api/admin/stats/stream'],
    ['POST', '/api/admin/broadcast'],
  ])('%s %s: 401 without a token, 403 for a non-admin', async (method, path) => {
    const anonymous = await apiA.request<ErrorBody>(method, path, { body: method === 'POST' ? { content: 'x' } : undefined });
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthorized']);
    const plain = await apiA.request<ErrorBody>(method, path, { token: user.accessToken, body: method === 'POST' ? { content: 'x' } : undefined });
    expect([plain.status, plain.body.code]).toEqual([403, 'forbidden']);
  });

  it('adds up sockets, streams, users and messages of both instances', async () => {
    for (let i = 0; i < 3; i++) await openSocket(servers[i % 2]!.url, user, { into: sockets });
    await openSocket(servers[1]!.url, admin, { into: sockets });
    streams.push(await SseClient.connect(`${servers[0]!.url}/api/notifications/stream?token=${user.accessToken}`));
    const room = await apiA.createRoom(admin.accessToken, uniqueName('Stats'));
    await apiA.post(`/api/rooms/${room.id}/messages`, { content: 'one' }, admin.accessToken);
    await apiB.post(`/api/rooms/${room.id}/messages`, { content: 'two' }, admin.accessToken);
    await eventually(async () => {
      const stats = (await apiB.get<AdminStats>('/api/admin/stats', admin.accessToken)).body;
      return stats.instances.length === 2 && stats.sockets === 4 && stats.sseStreams === 1 && stats.messagesPerMinute === 2 && stats.usersOnline === 2;
    }, 5000, 'cluster-wide figures');
    const stats = (await apiA.get<AdminStats>('/api/admin/stats', admin.accessToken)).body;
    expect(stats.rooms).toBeGreaterThanOrEqual(1);
    expect(stats.instances.map((instance) => instance.sockets)).toEqual([2, 2]);
  });

  it('streams the figures as SSE at the configured interval', async () => {
    const stream = await SseClient.connect(`${servers[0]!.url}/api/admin/stats/stream?token=${admin.accessToken}`);
    streams.push(stream);
    expect(stream.status).toBe(200);
    await eventually(() => stream.of('stats').length >= 3, 3000, 'stats events');
    expect(stream.of<AdminStats>('stats')[0]!.data).toMatchObject({ sockets: expect.any(Number), instances: expect.any(Array) });
  });

  it('broadcasts an announcement to sockets and streams on every instance', async () => {
    const socketOnB = await openSocket(servers[1]!.url, user, { into: sockets });
    const streamOnB = await SseClient.connect(`${servers[1]!.url}/api/notifications/stream?token=${user.accessToken}`);
    streams.push(streamOnB);
    const received = nextEvent<AnnouncementEvent>(socketOnB, 'announcement');
    const bad = await apiA.post<ErrorBody>('/api/admin/broadcast', { content: '' }, admin.accessToken);
    expect(bad.body.code).toBe('validation_failed');
    expect((await apiA.post('/api/admin/broadcast', { content: 'Maintenance at 22:00' }, admin.accessToken)).status).toBe(204);
    expect(await received).toEqual({ content: 'Maintenance at 22:00', createdAt: expect.any(String) });
    await eventually(() => streamOnB.of('announcement').length === 1, 3000, 'announcement on SSE');
  });

  it('serves the dashboard page at /admin', async () => {
    const page = await fetch(`${servers[0]!.url}/admin/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<title>Parley · Admin<\/title>/);
    expect(html).toMatch(/\/api\/admin\/reports/);
    expect(html).toMatch(/\/api\/admin\/stats\/stream/);
  });

  it('exposes Prometheus metrics at /metrics that move with traffic', async () => {
    const read = async (): Promise<string> => {
      const response = await fetch(`${servers[0]!.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/plain/);
      return response.text();
    };
    const value = (text: string, name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const before = await read();
    for (const name of [
      'parley_sockets_connected',
      'parley_sse_streams',
      'parley_messages_persisted_total',
      'parley_message_deliveries_total',
      'parley_send_duration_seconds_bucket',
      'parley_redis_errors_total',
      'parley_database_errors_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(before).toContain(name);
    }
    const room = await apiA.createRoom(admin.accessToken, uniqueName('Metrics'));
    const socket = await openSocket(servers[0]!.url, admin, { into: sockets });
    await emitOk(socket, 'room:join', { roomId: room.id });
    await emitOk(socket, 'message:send', { roomId: room.id, content: 'measured' });
    await eventually(async () => value(await read(), 'parley_message_deliveries_total') >= value(before, 'parley_message_deliveries_total') + 1, 3000, 'deliveries');
    const after = await read();
    expect(value(after, 'parley_messages_persisted_total')).toBeGreaterThan(value(before, 'parley_messages_persisted_total'));
    expect(after).toMatch(/parley_send_duration_seconds_count\{[^}]*stage="ack"[^}]*\} [1-9]/);
    expect(after).toMatch(/parley_send_duration_seconds_count\{[^}]*stage="commit"[^}]*\} [1-9]/);
    expect(value(after, 'parley_sockets_connected')).toBeGreaterThanOrEqual(1);
  });
});
