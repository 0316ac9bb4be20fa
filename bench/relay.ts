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
 *
 * With RELAY_DATABASE_URL it is the **storing relay**: the least a chat server that keeps its messages durably
 * does. Each instance stores its sends in PostgreSQL with group commit (one plain multi-row INSERT per batch,
 * one batch in flight, a durable commit), and broadcasts and acks each message once its batch committed. No
 * checks, no numbering, no ordering: what storing alone costs, next to the bare relay and Parley.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Client } from 'pg';
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

interface StoredRow {
  id: string;
  roomId: string;
  authorId: string;
  content: string;
  clientMsgId: string | null;
}

const STORE_TABLE = `
  CREATE TABLE IF NOT EXISTS relay_messages (
    id uuid PRIMARY KEY, room_id uuid NOT NULL, author_id uuid NOT NULL, content text NOT NULL, client_msg_id text,
    created_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS relay_messages_room_idx ON relay_messages (room_id, created_at)`;
const STORE_BATCH = `
  INSERT INTO relay_messages (id, room_id, author_id, content, client_msg_id)
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[])`;
const MAX_BATCH = 512;

/** Group commit with one batch in flight: what arrives while a batch is written goes in the next one. */
class MessageStore {
  private queue: Array<{ row: StoredRow; done: (error?: Error) => void }> = [];
  private writing = false;

  constructor(private readonly db: Client) {}

  store(row: StoredRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) setImmediate(() => this.next());
    });
  }

  private next(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    const rows = batch.map((entry) => entry.row);
    this.db
      .query({
        name: 'store',
        text: STORE_BATCH,
        values: [rows.map((r) => r.id), rows.map((r) => r.roomId), rows.map((r) => r.authorId), rows.map((r) => r.content), rows.map((r) => r.clientMsgId)],
      })
      .then(
        () => batch.forEach((entry) => entry.done()),
        (error: unknown) => batch.forEach((entry) => entry.done(error instanceof Error ? error : new Error(String(error)))),
      )
      .finally(() => {
        this.writing = false;
        this.next();
      });
  }
}

function onSocket(io: Server, socket: Socket, store: MessageStore | null): void {
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
    if (!store) {
      io.to(payload.roomId).emit('message:new', message);
      return ack?.({ ok: true, data: message });
    }
    store.store({ id: message.id, roomId: message.roomId, authorId: user.id, content: message.content, clientMsgId: message.clientMsgId }).then(
      () => {
        io.to(message.roomId).emit('message:new', message);
        ack?.({ ok: true, data: message });
      },
      () => ack?.({ ok: false, error: { code: 'unavailable', message: 'Not stored' } }),
    );
  });
}

export async function startRelay(port: number, redisUrl: string, instanceId: string, databaseUrl?: string): Promise<{ port: number; close(): Promise<void> }> {
  let db: Client | null = null;
  if (databaseUrl) {
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(STORE_TABLE);
  }
  const store = db ? new MessageStore(db) : null;
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
  io.on('connection', (socket) => onSocket(io, socket, store));
  await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  return {
    port: (httpServer.address() as AddressInfo).port,
    close: async () => {
      await io.close();
      pub.disconnect();
      sub.disconnect();
      await db?.end();
    },
  };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 0);
  const instanceId = process.env.INSTANCE_ID ?? `relay-${process.pid}`;
  startRelay(port, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', instanceId, process.env.RELAY_DATABASE_URL).then(
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
