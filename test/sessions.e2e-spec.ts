import type { RunningServer } from '../apps/server/src/server';
import { AdminCommandError, runAdminCommand } from '../apps/server/src/admin-cli';
import type { AuthExpiredEvent, AuthRefreshResult, AuthResult, AuthRevokedEvent, ErrorBody, Member, MessagePage, User } from '@parley/contract';
import { createHmac, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Api, connectSocket, emitAck, emitOk, openSocket, uniqueName, type TestSocket } from './support/client';
import { startTestCluster, startTestServer, testEnv, TEST_JWT_SECRET } from './support/server';

function signHs256(payload: object): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  return `${head}.${createHmac('sha256', TEST_JWT_SECRET).update(head).digest('base64url')}`;
}

interface Ending<T> {
  /** The reason event, then the disconnect; `afterMs` counts from `since()`'s call. */
  promise: Promise<{ payload: T; afterMs: number }>;
  since(): void;
}

/** Waits for the server to end the socket: the reason event first, then a disconnect. */
function ending<T>(socket: TestSocket, event: 'auth:revoked' | 'auth:expired', timeoutMs = 15_000): Ending<T> {
  let from = Date.now();
  const target = socket as unknown as { once(e: string, l: (p: T) => void): void };
  const promise = new Promise<{ payload: T; afterMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event} and the disconnect`)), timeoutMs);
    let payload: T | undefined;
    target.once(event, (received) => (payload = received));
    socket.once('disconnect', () => {
      clearTimeout(timer);
      if (payload === undefined) reject(new Error(`disconnected without ${event} first`));
      else resolve({ payload, afterMs: Date.now() - from });
    });
  });
  return { promise, since: () => (from = Date.now()) };
}

/** An SSE stream read over fetch: resolves once `marker` arrived (the stream is registered), `text` (everything) once it ended. */
async function openStream(url: string, token: string): Promise<{ status: number; contentType: string | null; text: Promise<string>; abort(): void }> {
  return openStreamUntil(url, token, ': connected');
}

async function openStreamUntil(
  url: string,
  token: string,
  marker: string,
): Promise<{ status: number; contentType: string | null; text: Promise<string>; abort(): void }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, signal: abort.signal });
  const contentType = response.headers.get('content-type');
  if (!response.ok || !response.body) return { status: response.status, contentType, text: response.text(), abort: () => abort.abort() };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!seen.includes(marker)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    seen += decoder.decode(chunk.value, { stream: true });
  }
  const text = (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) return seen;
      seen += decoder.decode(chunk.value, { stream: true });
    }
  })();
  return { status: response.status, contentType, text, abort: () => abort.abort() };
}

describe('sessions end when they should, on every instance', () => {
  let servers: RunningServer[];
  let api0: Api;
  let api1: Api;
  let databaseUrl: string;
  const sockets: TestSocket[] = [];
  const aborts: Array<() => void> = [];

  const socketOn = (server: RunningServer, token: string): Promise<TestSocket> => openSocket(server.url, token, { into: sockets });
  const streamOn = async (server: RunningServer, token: string): Promise<Awaited<ReturnType<typeof openStream>>> => {
    const stream = await openStream(`${server.url}/api/notifications/stream`, token);
    aborts.push(stream.abort);
    return stream;
  };
  const login = async (api: Api, username: string, password = 'password123'): Promise<AuthResult> => {
    const result = await api.post<AuthResult>('/api/auth/login', { username, password });
    if (result.status !== 200) throw new Error(`login ${username}: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  };
  const handshake = (server: RunningServer, token: string): Promise<string> =>
    new Promise((resolve) => {
      const socket = connectSocket(server.url, token);
      sockets.push(socket);
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(error.message));
    });

  beforeAll(async () => {
    servers = await startTestCluster(2);
    api0 = new Api(servers[0]!.url);
    api1 = new Api(servers[1]!.url);
    databaseUrl = servers[0]!.config.databaseUrl as string;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    for (const abort of aborts) abort();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('logout ends that session’s sockets and streams on the other instance within a second, and only that session', async () => {
    const name = uniqueName('out');
    const first = await api0.register(name);
    const second = await login(api0, name);
    const socket = await socketOn(servers[1]!, first.accessToken);
    const other = await socketOn(servers[1]!, second.accessToken);
    const stream = await streamOn(servers[1]!, first.accessToken);
    const ended = ending<AuthRevokedEvent>(socket, 'auth:revoked');

    expect((await api0.post('/api/auth/logout', { refreshToken: first.refreshToken })).status).toBe(204);
    ended.since();
    const { payload, afterMs } = await ended.promise;
    expect(payload).toEqual({ reason: 'logout' });
    expect(afterMs).toBeLessThan(1000);
    expect(await stream.text).toContain('event: auth:revoked\ndata: {"reason":"logout"}\n\n');

    // The other session is untouched; the ended one is refused everywhere, including REST.
    expect(other.connected).toBe(true);
    expect((await emitOk<AuthRefreshResult>(other, 'auth:refresh', { accessToken: second.accessToken })).expiresAt).toEqual(expect.any(String));
    expect((await api1.get('/api/users/me', second.accessToken)).status).toBe(200);
    for (const api of [api0, api1]) expect((await api.get<ErrorBody>('/api/users/me', first.accessToken)).body.code).toBe('unauthorized');
    expect(await handshake(servers[0]!, first.accessToken)).toBe('unauthorized');
  });

  it('refresh-token reuse revokes the family and ends its sockets on the other instance', async () => {
    const user = await api0.register(uniqueName('reuse'));
    const socket = await socketOn(servers[1]!, user.accessToken);
    const ended = ending<AuthRevokedEvent>(socket, 'auth:revoked');
    const rotated = await api0.post<AuthResult>('/api/auth/refresh', { refreshToken: user.refreshToken });
    expect(rotated.status).toBe(200);
    expect(socket.connected).toBe(true);

    expect((await api0.post('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    ended.since();
    const { payload, afterMs } = await ended.promise;
    expect(payload).toEqual({ reason: 'refresh_token_reuse' });
    expect(afterMs).toBeLessThan(1000);
    expect((await api1.get('/api/users/me', rotated.body.accessToken)).status).toBe(401);
  });

  it('a password change needs the current password and ends every other session, on every instance', async () => {
    const name = uniqueName('pw');
    const mine = await api0.register(name);
    const other = await login(api1, name);
    const mySocket = await socketOn(servers[1]!, mine.accessToken);
    const otherSocket = await socketOn(servers[1]!, other.accessToken);
    const otherStream = await streamOn(servers[0]!, other.accessToken);

    const wrong = await api0.post<ErrorBody>('/api/auth/password', { currentPassword: 'not-it-at-all', newPassword: 'brand-new-pass' }, mine.accessToken);
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    const short = await api0.post<ErrorBody>('/api/auth/password', { currentPassword: 'password123', newPassword: 'short' }, mine.accessToken);
    expect([short.status, short.body.code]).toEqual([400, 'validation_failed']);
    expect((await api0.post('/api/auth/password', { currentPassword: 'password123', newPassword: 'brand-new-pass' })).status).toBe(401);
    expect(otherSocket.connected).toBe(true);

    const ended = ending<AuthRevokedEvent>(otherSocket, 'auth:revoked');
    expect((await api0.post('/api/auth/password', { currentPassword: 'password123', newPassword: 'brand-new-pass' }, mine.accessToken)).status).toBe(204);
    ended.since();
    const { payload, afterMs } = await ended.promise;
    expect(payload).toEqual({ reason: 'password_changed' });
    expect(afterMs).toBeLessThan(1000);
    expect(await otherStream.text).toContain('event: auth:revoked\ndata: {"reason":"password_changed"}');

    expect(mySocket.connected).toBe(true);
    expect((await api1.get('/api/users/me', mine.accessToken)).status).toBe(200);
    expect((await api1.get('/api/users/me', other.accessToken)).status).toBe(401);
    expect((await api1.post('/api/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(401);
    expect((await api1.post('/api/auth/refresh', { refreshToken: mine.refreshToken })).status).toBe(200);
    expect((await api0.post<ErrorBody>('/api/auth/login', { username: name, password: 'password123' })).body.code).toBe('invalid_credentials');
    await login(api0, name, 'brand-new-pass');
  });

  it('grants admin rights to existing accounts only, and suspension ends every session of the account on every instance', async () => {
    const env = testEnv(databaseUrl);
    const unclaimed = uniqueName('boss');
    await expect(runAdminCommand(['grant', unclaimed], env)).rejects.toThrow(AdminCommandError);
    await expect(runAdminCommand(['promote', unclaimed], env)).rejects.toThrow(/Usage/);
    // Whoever registers the name afterwards is no admin.
    const squatter = await api0.register(unclaimed);
    expect((await api0.get<ErrorBody>('/api/admin/stats', squatter.accessToken)).status).toBe(403);

    const adminName = uniqueName('Admin');
    const admin = await api0.register(adminName);
    expect(await runAdminCommand(['grant', adminName.toUpperCase()], env)).toBe(`${adminName.toUpperCase()} is now an admin`);
    expect((await api1.get('/api/admin/stats', admin.accessToken)).status).toBe(200);

    const target = await api1.register(uniqueName('bad'));
    const socket = await socketOn(servers[1]!, target.accessToken);
    const stream = await streamOn(servers[1]!, target.accessToken);
    expect((await api0.post(`/api/admin/users/${target.user.id}/suspend`, {}, target.accessToken)).status).toBe(403);
    expect((await api0.post(`/api/admin/users/${randomUUID()}/suspend`, {}, admin.accessToken)).status).toBe(404);
    expect((await api0.post(`/api/admin/users/not-a-uuid/suspend`, {}, admin.accessToken)).status).toBe(400);

    const ended = ending<AuthRevokedEvent>(socket, 'auth:revoked');
    expect((await api0.post(`/api/admin/users/${target.user.id}/suspend`, {}, admin.accessToken)).status).toBe(204);
    ended.since();
    const { payload, afterMs } = await ended.promise;
    expect(payload).toEqual({ reason: 'account_suspended' });
    expect(afterMs).toBeLessThan(1000);
    expect(await stream.text).toContain('event: auth:revoked\ndata: {"reason":"account_suspended"}');
    expect((await api1.get('/api/users/me', target.accessToken)).status).toBe(401);
    expect((await api1.post('/api/auth/refresh', { refreshToken: target.refreshToken })).status).toBe(401);
    const refused = await api1.post<ErrorBody>('/api/auth/login', { username: target.user.username, password: 'password123' });
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);

    expect((await api1.post(`/api/admin/users/${target.user.id}/unsuspend`, {}, admin.accessToken)).status).toBe(204);
    const back = await login(api1, target.user.username);
    expect((await api0.get('/api/users/me', back.accessToken)).status).toBe(200);

    // The admin's own stats stream lives as long as the admin's session, too.
    const statsStream = await openStreamUntil(`${servers[1]!.url}/api/admin/stats/stream`, admin.accessToken, 'event: stats');
    aborts.push(statsStream.abort);
    const otherAdminSession = await login(api0, adminName);
    expect((await api0.post('/api/auth/logout', { refreshToken: admin.refreshToken })).status).toBe(204);
    expect(await statsStream.text).toMatch(/event: auth:revoked\ndata: \{"reason":"logout"\}\n\n$/);

    expect(await runAdminCommand(['revoke', adminName], env)).toBe(`${adminName} is no longer an admin`);
    expect((await api1.get('/api/admin/stats', otherAdminSession.accessToken)).status).toBe(403);
  });

  it('account deletion needs the password, ends every session and shows the messages’ author as a deleted user', async () => {
    const owner = await api0.register(uniqueName('own'));
    const leaving = await api0.register(uniqueName('bye'));
    const room = await api0.createRoom(owner.accessToken, uniqueName('Del'));
    expect((await api0.post(`/api/rooms/${room.id}/join`, {}, leaving.accessToken)).status).toBe(200);
    expect((await api0.post(`/api/rooms/${room.id}/messages`, { content: 'goodbye' }, leaving.accessToken)).status).toBe(201);
    const socket = await socketOn(servers[1]!, leaving.accessToken);

    const wrong = await api0.request<ErrorBody>('DELETE', '/api/users/me', { token: leaving.accessToken, body: { password: 'not-my-password' } });
    expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    const ended = ending<AuthRevokedEvent>(socket, 'auth:revoked');
    expect((await api0.request('DELETE', '/api/users/me', { token: leaving.accessToken, body: { password: 'password123' } })).status).toBe(204);
    ended.since();
    const { payload, afterMs } = await ended.promise;
    expect(payload).toEqual({ reason: 'account_deleted' });
    expect(afterMs).toBeLessThan(1000);

    const deleted: User = { id: leaving.user.id, username: 'deleted', displayName: 'Deleted user', createdAt: leaving.user.createdAt, deleted: true };
    const page = await api1.get<MessagePage>(`/api/rooms/${room.id}/messages`, owner.accessToken);
    // (Their join, a system message, reads as the deleted user's too.)
    expect(page.body.messages.map((message) => [message.type, message.author])).toEqual([
      ['system', deleted],
      ['text', deleted],
    ]);
    expect(page.body.messages[1]!.content).toBe('goodbye');
    const members = await api1.get<Member[]>(`/api/rooms/${room.id}/members`, owner.accessToken);
    expect(members.body.find((member) => member.user.id === leaving.user.id)?.user).toEqual(deleted);
    expect((await api1.get<User[]>(`/api/users?search=${leaving.user.username}`, owner.accessToken)).body).toEqual([]);

    // A deleted account cannot be added to rooms or messaged directly.
    expect((await api1.post('/api/dms', { userId: leaving.user.id }, owner.accessToken)).status).toBe(404);
    expect((await api1.post(`/api/rooms/${(await api1.createRoom(owner.accessToken, uniqueName('Add'))).id}/members`, { userId: leaving.user.id }, owner.accessToken)).status).toBe(404);

    // The still-signed, unexpired token is refused (it used to reach the database as if the account existed).
    expect((await api1.get<ErrorBody>('/api/users/me', leaving.accessToken)).body.code).toBe('unauthorized');
    expect((await api1.post(`/api/rooms/${room.id}/messages`, { content: 'ghost' }, leaving.accessToken)).status).toBe(401);
    expect((await api1.post<ErrorBody>('/api/auth/login', { username: leaving.user.username, password: 'password123' })).body.code).toBe('invalid_credentials');
    // The name stays reserved: nobody can pass for the former owner.
    expect((await api1.post('/api/auth/register', { username: leaving.user.username, password: 'password123' })).status).toBe(409);
  });

  it('a valid token of a user removed from the database is 401 on REST, SSE and the handshake (not 500 or unavailable)', async () => {
    const gone = await api0.register(uniqueName('gone'));
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await db.query('DELETE FROM users WHERE id = $1', [gone.user.id]);
    } finally {
      await db.end();
    }
    const created = await api1.post<ErrorBody>('/api/rooms', { name: uniqueName('Ghost') }, gone.accessToken);
    expect([created.status, created.body.code]).toEqual([401, 'unauthorized']);
    const stream = await streamOn(servers[1]!, gone.accessToken);
    expect([stream.status, stream.contentType]).toEqual([401, expect.stringContaining('application/json')]);
    expect(JSON.parse(await stream.text)).toMatchObject({ statusCode: 401, code: 'unauthorized' });
    expect(await handshake(servers[1]!, gone.accessToken)).toBe('unauthorized');
  });

  it.each([
    ['whose sub is not a UUID', { sub: 'not-a-uuid', sid: randomUUID() }],
    ['without a session id (issued before sessions were tracked)', { sub: randomUUID() }],
    ['whose session never existed', { sub: randomUUID(), sid: randomUUID() }],
  ])('a correctly signed token %s is 401 on every route, SSE and the handshake', async (_label, claims) => {
    const now = Math.floor(Date.now() / 1000);
    const token = signHs256({ ...claims, username: 'forged', typ: 'access', iat: now, exp: now + 600 });
    for (const [method, path, body] of [
      ['GET', '/api/users/me'],
      ['GET', '/api/rooms'],
      ['POST', '/api/rooms', { name: 'forged' }],
      ['GET', '/api/notifications'],
      ['POST', '/api/dms', { userId: randomUUID() }],
    ] as Array<[string, string, unknown?]>) {
      const result = await api0.request<ErrorBody>(method, path, { token, body });
      expect([method, path, result.status, result.body.code]).toEqual([method, path, 401, 'unauthorized']);
    }
    const stream = await streamOn(servers[0]!, token);
    expect([stream.status, stream.contentType]).toEqual([401, expect.stringContaining('application/json')]);
    expect(await handshake(servers[0]!, token)).toBe('unauthorized');
  });
});

describe('sockets and streams end at access-token expiry unless refreshed in band', () => {
  let server: RunningServer;
  let api: Api;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ ACCESS_TOKEN_TTL: '10' });
    api = new Api(server.url);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await server.close();
  });

  it('ends a socket and a stream with auth:expired at expiry, while auth:refresh keeps a socket of the same session open', async () => {
    const user = await api.register(uniqueName('exp'));
    const stranger = await api.register(uniqueName('str'));
    const otherSession = await api.post<AuthResult>('/api/auth/login', { username: user.user.username, password: 'password123' });
    const expiresAt = (JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
    const lapsing = await openSocket(server.url, user, { into: sockets });
    const refreshed = await openSocket(server.url, user, { into: sockets });
    const stream = await openStream(`${server.url}/api/notifications/stream`, user.accessToken);
    const lapsed = ending<AuthExpiredEvent>(lapsing, 'auth:expired');

    // Tokens of another user or another session are refused, and change nothing.
    for (const accessToken of [stranger.accessToken, otherSession.body.accessToken]) {
      const refused = await emitAck(refreshed, 'auth:refresh', { accessToken });
      expect(refused).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String), requestId: expect.any(String) } });
    }
    expect(await emitAck(refreshed, 'auth:refresh', { accessToken: 'garbage' })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });

    // A token issued in a later second expires later (exp counts seconds): wait for the clock to get there.
    while (Date.now() < expiresAt - 9_000) await new Promise((resolve) => setTimeout(resolve, 50));
    const rotated = await api.post<AuthResult>('/api/auth/refresh', { refreshToken: user.refreshToken });
    const ack = await emitOk<AuthRefreshResult>(refreshed, 'auth:refresh', { accessToken: rotated.body.accessToken });
    expect(Date.parse(ack.expiresAt)).toBeGreaterThan(expiresAt);
    const refreshedEnd = ending<AuthExpiredEvent>(refreshed, 'auth:expired');

    const { payload } = await lapsed.promise;
    expect(payload).toEqual({ reason: 'token_expired', expiredAt: new Date(expiresAt).toISOString() });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(await stream.text).toContain(`event: auth:expired\ndata: ${JSON.stringify({ reason: 'token_expired', expiredAt: new Date(expiresAt).toISOString() })}`);
    expect(refreshed.connected).toBe(true);
    expect(await emitAck(refreshed, 'room:leave', { roomId: randomUUID() })).toEqual({ ok: true, data: {} });

    // The refreshed socket ends at its new token's expiry.
    const second = await refreshedEnd.promise;
    expect(second.payload).toEqual({ reason: 'token_expired', expiredAt: ack.expiresAt });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(ack.expiresAt));
  }, 30_000);
});
