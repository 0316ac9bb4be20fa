import type { ErrorBody } from '@parley/contract';
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import type { RunningServer } from '../apps/server/src/server';
import { Api, emitAck, openSocket, uniqueName, type TestSocket } from './support/client';
import { createTestDatabase, startTestServer } from './support/server';

/** The proxy in these tests; any other peer (127.0.0.2 here, a loopback address too) is an ordinary client. */
const PROXY = '127.0.0.1';
const CLIENT = '127.0.0.2';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Reply {
  status: number;
  requestId: string | undefined;
  body: unknown;
}

/** One HTTP request sent from a chosen local address (the peer address the server sees). */
function send(server: RunningServer, path: string, options: { from: string; headers?: Record<string, string>; method?: string; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', localAddress: options.from, headers: options.headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const header = response.headers['x-request-id'];
          const json = /json/.test(response.headers['content-type'] ?? '');
          resolve({ status: response.statusCode ?? 0, requestId: typeof header === 'string' ? header : undefined, body: json ? (JSON.parse(text) as unknown) : text });
        });
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('TRUSTED_PROXIES: whose X-Forwarded-For picks the per-IP rate-limit bucket', () => {
  let server: RunningServer;
  const LIMIT = 3;
  // Sequential, so the bucket's count is what the test says it is.
  const hits = async (count: number, request: (i: number) => Promise<Reply>): Promise<number[]> => {
    const result: number[] = [];
    for (let i = 0; i < count; i++) result.push((await request(i)).status);
    return result;
  };

  beforeAll(async () => {
    server = await startTestServer({ TRUSTED_PROXIES: PROXY, HTTP_RATE_LIMIT: String(LIMIT) });
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts a client that is not a trusted proxy under its own address, whatever X-Forwarded-For it forges', async () => {
    const forged = await hits(LIMIT + 1, (i) => send(server, '/api/health', { from: CLIENT, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } }));
    expect(forged).toEqual([200, 200, 200, 429]);
  });

  it("counts requests through a trusted proxy under the client address it forwarded, one bucket per client", async () => {
    const viaProxy = (client: string): Promise<Reply> => send(server, '/api/health', { from: PROXY, headers: { 'x-forwarded-for': client } });
    expect(await hits(LIMIT + 1, () => viaProxy('203.0.113.10'))).toEqual([200, 200, 200, 429]);
    expect((await viaProxy('203.0.113.11')).status).toBe(200);
  });

  it('takes the address the trusted proxy saw, not one the client put in front of it', async () => {
    const forgedThenReal = await hits(LIMIT + 1, (i) =>
      send(server, '/api/health', { from: PROXY, headers: { 'x-forwarded-for': `198.51.100.${100 + i}, 203.0.113.20` } }),
    );
    expect(forgedThenReal).toEqual([200, 200, 200, 429]);
  });
});

describe('X-Request-Id', () => {
  let server: RunningServer;
  let socket: TestSocket;

  beforeAll(async () => {
    server = await startTestServer({ TRUSTED_PROXIES: PROXY });
    const user = await new Api(server.url).register(uniqueName('rid'));
    socket = await openSocket(server.url, user);
  });
  afterAll(async () => {
    socket.disconnect();
    await server.close();
  });

  it('is generated for every response, a new one each time', async () => {
    const [first, second] = await Promise.all([send(server, '/api/health', { from: CLIENT }), send(server, '/api/health', { from: PROXY })]);
    expect(first?.status).toBe(200);
    expect(first?.requestId).toMatch(UUID);
    expect(second?.requestId).toMatch(UUID);
    expect(first?.requestId).not.toBe(second?.requestId);
  });

  it('is on every response, not only the API: metrics, docs, the web client', async () => {
    const replies = await Promise.all(['/metrics', '/docs-json', '/'].map((path) => send(server, path, { from: CLIENT })));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200]);
    for (const reply of replies) expect(reply.requestId).toMatch(UUID);
  });

  it("keeps a trusted proxy's id", async () => {
    const reply = await send(server, '/api/health', { from: PROXY, headers: { 'x-request-id': 'edge-7f3a.1' } });
    expect(reply).toMatchObject({ status: 200, requestId: 'edge-7f3a.1' });
  });

  it("ignores the id of a peer that is not a trusted proxy, and an unusable one from a proxy", async () => {
    const fromClient = await send(server, '/api/health', { from: CLIENT, headers: { 'x-request-id': 'chosen-by-client' } });
    expect(fromClient.requestId).toMatch(UUID);
    const unusable = await send(server, '/api/health', { from: PROXY, headers: { 'x-request-id': 'x'.repeat(129) } });
    expect(unusable.requestId).toMatch(UUID);
  });

  it('is in every error body, equal to the header: guards, unknown routes, validation, body parsing', async () => {
    const replies = await Promise.all([
      send(server, '/api/rooms', { from: CLIENT }),
      send(server, '/api/no-such-route', { from: CLIENT }),
      send(server, '/api/auth/register', { from: CLIENT, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      send(server, '/api/auth/register', { from: CLIENT, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' }),
    ]);
    expect(replies.map((reply) => reply.status)).toEqual([401, 404, 400, 400]);
    for (const reply of replies) {
      expect(reply.requestId).toMatch(UUID);
      expect((reply.body as ErrorBody).requestId).toBe(reply.requestId);
    }
  });

  it("carries a trusted proxy's id into the error body", async () => {
    const reply = await send(server, '/api/rooms', { from: PROXY, headers: { 'x-request-id': 'edge-401' } });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ statusCode: 401, code: 'unauthorized', message: expect.any(String), requestId: 'edge-401' });
  });

  it("is in a socket event's error ack, one per event", async () => {
    const [first, second] = await Promise.all([emitAck(socket, 'no:such:event', {}), emitAck(socket, 'room:join', { roomId: 'not-a-uuid' })]);
    const ids = [first, second].map((ack) => (ack.ok ? undefined : ack.error.requestId));
    expect(ids[0]).toMatch(UUID);
    expect(ids[1]).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe('X-Request-Id in log lines', () => {
  let server: RunningServer;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    server = await startTestServer({ TRUSTED_PROXIES: PROXY }, databaseUrl);
  });
  afterAll(async () => {
    await server.close();
  });

  it('marks the error line of a request that fails unexpectedly with the id its body and header carry (GET and POST)', async () => {
    const user = await new Api(server.url).register(uniqueName('log'));
    // A real failure, not a mock: the table the request reads is gone.
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await db.query('DROP TABLE notifications');
    } finally {
      await db.end();
    }
    const written: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const authorization = `Bearer ${user.accessToken}`;
    let replies: Reply[];
    try {
      replies = [
        await send(server, '/api/notifications', { from: PROXY, headers: { authorization, 'x-request-id': 'edge-500' } }),
        // With a body: its parsing must not lose the request's context.
        await send(server, '/api/notifications/read', {
          from: CLIENT,
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ upToId: 0 }),
        }),
      ];
    } finally {
      stderr.mockRestore();
    }
    expect(replies[0]).toMatchObject({ status: 500, requestId: 'edge-500', body: { code: 'internal', requestId: 'edge-500' } });
    const generated = replies[1]!.requestId;
    expect(generated).toMatch(UUID);
    expect(replies[1]).toMatchObject({ status: 500, body: { code: 'internal', requestId: generated } });
    // eslint-disable-next-line no-control-regex -- the console logger colours its lines
    const lines = written.map((line) => line.replace(/\u001b\[[0-9;]*m/g, '')).filter((line) => line.includes('notifications'));
    expect(lines).toEqual([expect.stringContaining('[HTTP] [req edge-500] '), expect.stringContaining(`[HTTP] [req ${generated}] `)]);
  });
});
