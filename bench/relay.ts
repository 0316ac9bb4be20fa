/**
 * The bare relay `npm run bench` compares Parley with: Socket.IO + the stock `@socket.io/redis-adapter`
 * over ioredis, nothing else. It persists nothing, checks nothing and orders nothing; it only speaks
 * enough of Parley's contract for the same load tool to drive it:
 *
 *   REST    POST /api/auth/register|login|refresh  a session for any username (stateless: the user id is
 *                                                  derived from the name, the token is the id)
 *           POST /api/rooms, POST /api/rooms/:id/join  a room (id derived from the name), joined by nobody
 *           GET  /metrics                          prom-client's default process metrics
 *   Socket  room:join {roomId}                     joins the Socket.IO room
 *           message:send {roomId, content, …}      broadcasts message:new (a Parley-shaped message) to the
 *                                                  room on every instance, then acks with it
 *
 * Environment: PORT (default 0 = any), REDIS_URL (default redis://127.0.0.1:6379), INSTANCE_ID.
 * Prints `relay ready on port N` when it listens; SIGTERM/SIGINT stop it.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Server, type Socket } from 'socket.io';

interface RelayUser {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
}

const STARTED_AT = new Date().toISOString();
const TOKEN_TTL_SECONDS = 86_400;

/** A stable UUID-shaped id for a name, so that every instance agrees without sharing state. */
function idFor(kind: string, name: string): string {
  const hex = createHash('sha1').update(`${kind}:${name.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function userFor(username: string): RelayUser {
  return { id: idFor('user', username), username, displayName: username, createdAt: STARTED_AT };
}

/** Tokens carry the user (base64url JSON): no lookup anywhere, any instance accepts them. */
function tokenFor(user: RelayUser): string {
  return Buffer.from(JSON.stringify(user)).toString('base64url');
}

function userOf(token: unknown): RelayUser | null {
  if (typeof token !== 'string') return null;
  try {
    const user = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<RelayUser>;
    return typeof user.id === 'string' && typeof user.username === 'string' ? (user as RelayUser) : null;
  } catch {
    return null;
  }
}

function session(user: RelayUser): object {
  return { user, accessToken: tokenFor(user), refreshToken: tokenFor(user), expiresIn: TOKEN_TTL_SECONDS };
}

function room(id: string, name: string, createdBy: string): object {
  return {
    id,
    name,
    description: '',
    visibility: 'public',
    kind: 'group',
    createdBy,
    createdAt: STARTED_AT,
    memberCount: 0,
    lastSeq: 0,
    joined: true,
    role: 'member',
    unreadCount: 0,
  };
}

function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      try {
        const parsed: unknown = JSON.parse(body || '{}');
        resolve(parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {});
      } catch {
        resolve({});
      }
    });
  });
}

function reply(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function handleHttp(request: IncomingMessage, response: ServerResponse, metrics: Registry): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (request.method === 'GET' && path === '/metrics') return reply(response, 200, await metrics.metrics(), metrics.contentType);
  if (request.method !== 'POST') return reply(response, 404, { error: { code: 'not_found', message: 'Not found' } });
  const body = await readJson(request);
  const caller = userOf(request.headers.authorization?.replace(/^Bearer /, ''));
  if (path === '/api/auth/register' || path === '/api/auth/login') {
    const username = typeof body.username === 'string' ? body.username : 'anonymous';
    return reply(response, path.endsWith('register') ? 201 : 200, session(userFor(username)));
  }
  if (path === '/api/auth/refresh') {
    const user = userOf(body.refreshToken);
    return user ? reply(response, 200, session(user)) : reply(response, 401, { error: { code: 'unauthorized', message: 'Bad token' } });
  }
  if (!caller) return reply(response, 401, { error: { code: 'unauthorized', message: 'Bad token' } });
  if (path === '/api/rooms') {
    const name = typeof body.name === 'string' ? body.name : 'room';
    return reply(response, 201, room(idFor('room', name), name, caller.id));
  }
  const join = /^\/api\/rooms\/([^/]+)\/join$/.exec(path);
  if (join?.[1]) return reply(response, 200, room(join[1], join[1], caller.id));
  return reply(response, 404, { error: { code: 'not_found', message: 'Not found' } });
}

type Ack = (response: unknown) => void;

function onSocket(io: Server, socket: Socket): void {
  const user = socket.data as RelayUser;
  socket.on('room:join', (payload: { roomId?: unknown }, ack?: Ack) => {
    if (typeof payload?.roomId !== 'string') return ack?.({ ok: false, error: { code: 'validation_failed', message: 'roomId' } });
    void socket.join(payload.roomId);
    ack?.({ ok: true, data: { room: room(payload.roomId, payload.roomId, user.id), messages: [], hasMore: false } });
  });
  socket.on('message:send', (payload: { roomId?: unknown; content?: unknown; clientMsgId?: unknown }, ack?: Ack) => {
    if (typeof payload?.roomId !== 'string' || typeof payload.content !== 'string') {
      return ack?.({ ok: false, error: { code: 'validation_failed', message: 'roomId and content' } });
    }
    const message = {
      id: randomUUID(),
      roomId: payload.roomId,
      seq: 0,
      author: user,
      content: payload.content,
      clientMsgId: typeof payload.clientMsgId === 'string' ? payload.clientMsgId : null,
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
    };
    io.to(payload.roomId).emit('message:new', message);
    ack?.({ ok: true, data: message });
  });
}

export async function startRelay(port: number, redisUrl: string, instanceId: string): Promise<{ port: number; close(): Promise<void> }> {
  const metrics = new Registry();
  metrics.setDefaultLabels({ instance: instanceId });
  collectDefaultMetrics({ register: metrics });
  const pub = new Redis(redisUrl, { lazyConnect: true });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = createServer((request, response) => {
    handleHttp(request, response, metrics).catch(() => reply(response, 500, { error: { code: 'internal', message: 'Internal error' } }));
  });
  const io = new Server(httpServer, { serveClient: false, adapter: createAdapter(pub, sub) });
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    const user = userOf(auth.token);
    if (!user) return next(new Error('unauthorized'));
    Object.assign(socket.data as object, user);
    next();
  });
  io.on('connection', (socket) => onSocket(io, socket));
  await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  return {
    port: (httpServer.address() as AddressInfo).port,
    close: async () => {
      await io.close();
      pub.disconnect();
      sub.disconnect();
    },
  };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 0);
  const instanceId = process.env.INSTANCE_ID ?? `relay-${process.pid}`;
  startRelay(port, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', instanceId).then(
    (relay) => {
      console.log(`relay ready on port ${relay.port}`);
      const stop = (): void => void relay.close().finally(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (error: unknown) => {
      console.error(`relay failed: ${String(error)}`);
      process.exit(1);
    },
  );
}
