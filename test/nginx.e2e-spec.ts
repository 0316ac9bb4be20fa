import type { RunningServer } from '../apps/server/src/server';
import { startNginx, writeNginxPrefix } from '../apps/cluster/src/nginx';
import type { AuthResult, Message } from '@parley/contract';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, collect, emitOk, eventually, openSocket, uniqueName, type TestSocket } from './support/client';
import { requireBinary } from '../tools/binaries';
import { freePort } from '../tools/ports';
import { startTestCluster } from './support/server';
import { SseClient } from './support/sse';

/** The shipped nginx config (apps/cluster/nginx/parley.conf) in front of two instances. */
describe('behind the shipped nginx config', () => {
  let servers: RunningServer[];
  let nginx: ChildProcess;
  let prefix: string;
  let lb: string;
  let user: AuthResult;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    requireBinary('nginx', 'The nginx spec (test/nginx.e2e-spec.ts)');
    servers = await startTestCluster(2);
    prefix = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
    const port = await freePort();
    writeNginxPrefix(prefix, servers.map((server) => `127.0.0.1:${server.port}`), port);
    nginx = startNginx(prefix);
    lb = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${lb}/api/health`).catch(() => undefined))?.status === 200, 10_000, 'nginx');
    user = await new Api(lb).register(uniqueName('lb'));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    const exited = new Promise((resolve) => nginx.once('exit', resolve));
    nginx.kill('SIGTERM');
    await exited;
    await Promise.all(servers.map((server) => server.close()));
    rmSync(prefix, { recursive: true, force: true });
  });

  it.each([['websocket'], ['polling']])('carries Socket.IO over the %s transport (sticky sessions for polling)', async (transport) => {
    const room = await new Api(lb).createRoom(user.accessToken, uniqueName(`Lb${transport}`));
    const socket = await openSocket(lb, user, { transports: [transport], into: sockets });
    const received = collect<Message>(socket, 'message:new');
    await emitOk(socket, 'room:join', { roomId: room.id });
    for (let i = 0; i < 10; i++) await emitOk(socket, 'message:send', { roomId: room.id, content: `${transport} ${i}` });
    await eventually(() => received.length === 10, 5000, 'deliveries through nginx');
    expect(received.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('upgrades polling to websocket through the proxy', async () => {
    const socket = await openSocket(lb, user, { transports: ['polling', 'websocket'], into: sockets });
    const engine = (socket as unknown as { io: { engine: { transport: { name: string }; once(event: string, cb: () => void): void } } }).io.engine;
    await eventually(() => engine.transport.name === 'websocket', 5000, 'upgrade');
  });

  it('streams notifications through the proxy unbuffered', async () => {
    const friend = await new Api(lb).register(uniqueName('lbf'));
    const stream = await SseClient.connect(`${lb}/api/notifications/stream?token=${friend.accessToken}`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers?.get('content-type')).toMatch(/^text\/event-stream/);
      // Raised directly on an instance, received through nginx as it happens.
      await new Api(servers[1]!.url).post('/api/dms', { userId: friend.user.id }, user.accessToken);
      await eventually(() => stream.of('dm.created').length === 1, 3000, 'dm.created through nginx');
    } finally {
      await stream.close();
    }
  });

  it('resumes a notification stream through the proxy with Last-Event-ID: what was missed, in order, then live', async () => {
    const reader = await new Api(lb).register(uniqueName('lbr'));
    const room = await new Api(lb).createRoom(user.accessToken, uniqueName('Resume'));
    expect((await new Api(lb).post(`/api/rooms/${room.id}/join`, {}, reader.accessToken)).status).toBe(200);
    const mention = (text: string) => new Api(servers[0]!.url).post(`/api/rooms/${room.id}/messages`, { content: `@${reader.user.username} ${text}` }, user.accessToken);
    const url = `${lb}/api/notifications/stream?token=${reader.accessToken}`;
    const first = await SseClient.connect(url);
    let lastId: string | undefined;
    try {
      await mention('one');
      await eventually(() => first.of('mention').length === 1, 3000, 'the first mention through nginx');
      lastId = first.of('mention')[0]!.id;
    } finally {
      await first.close();
    }
    // Missed while away: a backlog, raised on both instances.
    for (let i = 0; i < 30; i++) await new Api(servers[i % 2]!.url).post(`/api/rooms/${room.id}/messages`, { content: `@${reader.user.username} missed ${i}` }, user.accessToken);
    const resumed = await SseClient.connect(url, { 'Last-Event-ID': lastId! });
    try {
      expect(resumed.status).toBe(200);
      await eventually(() => resumed.of('mention').length === 30, 5000, 'the missed mentions through nginx');
      await mention('live');
      await eventually(() => resumed.of('mention').length === 31, 3000, 'the live mention after the replay');
      const mentions = resumed.of<{ preview: string }>('mention');
      expect(mentions.map((entry) => entry.data.preview)).toEqual([
        ...Array.from({ length: 30 }, (_, i) => `@${reader.user.username} missed ${i}`),
        `@${reader.user.username} live`,
      ]);
      const ids = mentions.map((entry) => Number(entry.id));
      expect(ids).toEqual(ids.map((_, i) => Number(lastId) + 1 + i));
    } finally {
      await resumed.close();
    }
  });

  it('reaches an instance directly and through the balancer alike, with the contract\'s errors', async () => {
    const viaLb = await new Api(lb).get<{ code: string }>('/api/rooms/not-a-uuid', user.accessToken);
    expect(viaLb.status).toBe(400);
    expect(viaLb.body.code).toBe('validation_failed');
    // nginx's $request_id (32 hex digits) is the request's id on the instance: in the header and the body.
    expect(viaLb.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(viaLb.body).toMatchObject({ requestId: viaLb.headers.get('x-request-id') });
    const direct = new Api(servers[1]!.url);
    const room = await direct.createRoom(user.accessToken, uniqueName('Direct'));
    const listed = await new Api(lb).get<Array<{ id: string }>>('/api/rooms', user.accessToken);
    expect(listed.body.map((entry) => entry.id)).toContain(room.id);
  });
});
