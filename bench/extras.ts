/**
 * The bench's figures beyond the rate steps: persisted messages per second, history page latency in a room
 * of a million messages, catch-up of 10 000 missed messages, and memory per idle connection.
 */
import type { Ack, ClientToServerEvents, Message, MessagePage, RoomJoinResult, ServerToClientEvents } from '@parley/contract';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { unwrap } from '../apps/loadtest/src/links';
import { mapLimit } from '../apps/loadtest/src/pool';
import type { SeedFile } from '../apps/loadtest/src/seed';
import { residentBytes, type Instance } from './stack';

type WireSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

async function connect(url: string, token: string, timeoutMs = 30_000): Promise<WireSocket> {
  const socket: WireSocket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, timeout: timeoutMs });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(new Error(`connect ${url}: ${error.message}`)));
  });
  return socket;
}

function tokenOf(user: SeedFile['users'][number]): string {
  const token = user.session?.accessToken;
  if (!token) throw new Error(`${user.username} has no session in the seed`);
  return token;
}

export interface PersistedFigures {
  senders: number;
  inFlightPerSender: number;
  seconds: number;
  ackedPerSecond: number;
  rowsPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  failed: number;
}

/**
 * Closed loop with many sends in flight: one sender per room (so deliveries stay small), each keeping
 * `inFlight` sends outstanding, for `seconds` after a warm-up. Acks come only after the commit; the row
 * count in PostgreSQL over the same window is the cross-check.
 */
export async function measurePersisted(instances: Instance[], seed: SeedFile, databaseUrl: string, seconds = 10, inFlight = 32): Promise<PersistedFigures> {
  const senders = seed.rooms.map((room) => seed.users.find((user) => user.roomId === room.id)).filter((user) => user !== undefined);
  const sockets = await Promise.all(senders.map((user, index) => connect((instances[index % instances.length] as Instance).url, tokenOf(user))));
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await Promise.all(sockets.map((socket, index) => socket.timeout(30_000).emitWithAck('room:join', { roomId: (senders[index] as { roomId: string }).roomId }).then(unwrap)));
    let measuring = false;
    let stopped = false;
    let acked = 0;
    let failed = 0;
    const ackTimes: number[] = [];
    let counter = 0;
    const loop = async (socket: WireSocket, roomId: string): Promise<void> => {
      while (!stopped) {
        const started = performance.now();
        try {
          unwrap((await socket.timeout(30_000).emitWithAck('message:send', { roomId, content: `persisted ${counter++}`, clientMsgId: `p-${counter}` })) as Ack<Message>);
          if (measuring) {
            acked++;
            ackTimes.push(performance.now() - started);
          }
        } catch {
          if (measuring) failed++;
          await sleep(10);
        }
      }
    };
    const loops = sockets.flatMap((socket, index) => Array.from({ length: inFlight }, () => loop(socket, (senders[index] as { roomId: string }).roomId)));
    await sleep(2000);
    const countRows = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]?.n ?? 0);
    const rowsBefore = await countRows();
    measuring = true;
    const startedAt = performance.now();
    await sleep(seconds * 1000);
    measuring = false;
    const elapsed = (performance.now() - startedAt) / 1000;
    const rowsAfter = await countRows();
    stopped = true;
    await Promise.all(loops);
    ackTimes.sort((a, b) => a - b);
    return {
      senders: sockets.length,
      inFlightPerSender: inFlight,
      seconds: round(elapsed, 2),
      ackedPerSecond: Math.round(acked / elapsed),
      rowsPerSecond: Math.round((rowsAfter - rowsBefore) / elapsed),
      ackP50Ms: round(percentile(ackTimes, 50)),
      ackP99Ms: round(percentile(ackTimes, 99)),
      failed,
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await db.end();
  }
}

export interface HistoryFigures {
  messages: number;
  insertSeconds: number;
  pages: number;
  pageSize: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  catchUp: { missed: number; runs: number[]; medianMs: number; requests: number };
}

/** A room of `total` messages written straight into PostgreSQL (as if years of traffic had happened). */
async function fillRoom(databaseUrl: string, roomId: string, authorId: string, total: number): Promise<number> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const started = performance.now();
  try {
    const chunk = 250_000;
    for (let from = 1; from <= total; from += chunk) {
      await db.query(
        `INSERT INTO messages (room_id, seq, author_id, content, created_at)
         SELECT $1, g, $2, 'history message number ' || g || ' with some ordinary chat text in it', now() - make_interval(secs => $4 - g)
         FROM generate_series($3::bigint, $3::bigint + $5 - 1) AS g`,
        [roomId, authorId, from, total, Math.min(chunk, total - from + 1)],
      );
    }
    await db.query('ANALYZE messages');
  } finally {
    await db.end();
  }
  return (performance.now() - started) / 1000;
}

async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * History pages at random depths of a million-message room (REST, `before=`), then the catch-up of a
 * client that missed `missed` messages: `room:join {sinceSeq}` (200 messages) and REST pages `after=`.
 */
export async function measureHistory(instance: Instance, seed: SeedFile, databaseUrl: string, total = 1_000_000, pages = 300, missed = 10_000): Promise<HistoryFigures> {
  const user = seed.users[0];
  if (!user) throw new Error('The seed has no users');
  const token = tokenOf(user);
  const created = await fetch(`${instance.url}/api/rooms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench-history-${Date.now().toString(36)}`, description: 'A million messages' }),
  });
  if (!created.ok) throw new Error(`Creating the history room: HTTP ${created.status}`);
  const roomId = ((await created.json()) as { id: string }).id;
  const insertSeconds = await fillRoom(databaseUrl, roomId, user.userId, total);

  const pageSize = 50;
  const times: number[] = [];
  for (let i = 0; i < pages; i++) {
    // The newest page (what opening a room asks for) every tenth request, random depths otherwise.
    const before = i % 10 === 0 ? undefined : 1 + Math.floor(Math.random() * total);
    const started = performance.now();
    const page = await getJson<MessagePage>(`${instance.url}/api/rooms/${roomId}/messages?limit=${pageSize}${before ? `&before=${before}` : ''}`, token);
    times.push(performance.now() - started);
    if (page.messages.length === 0) throw new Error('An empty history page');
  }
  times.sort((a, b) => a - b);

  const runs: number[] = [];
  let requests = 0;
  for (let run = 0; run < 3; run++) {
    const sinceSeq = total - missed;
    const started = performance.now();
    const socket = await connect(instance.url, token);
    try {
      const joined = unwrap((await socket.timeout(30_000).emitWithAck('room:join', { roomId, sinceSeq })) as Ack<RoomJoinResult>);
      const received: Message[] = [...joined.messages];
      let hasMore = joined.hasMore;
      requests = 1;
      while (hasMore) {
        const after = received[received.length - 1]?.seq ?? sinceSeq;
        const page = await getJson<MessagePage>(`${instance.url}/api/rooms/${roomId}/messages?after=${after}&limit=200`, token);
        requests++;
        received.push(...page.messages);
        hasMore = page.hasMore;
      }
      if (received.length !== missed || received[received.length - 1]?.seq !== total) {
        throw new Error(`Catch-up got ${received.length} messages, expected ${missed}`);
      }
      runs.push(round(performance.now() - started));
    } finally {
      socket.disconnect();
    }
  }
  return {
    messages: total,
    insertSeconds: round(insertSeconds),
    pages,
    pageSize,
    p50Ms: round(percentile(times, 50), 2),
    p99Ms: round(percentile(times, 99), 2),
    maxMs: round(times[times.length - 1] ?? NaN, 2),
    catchUp: { missed, runs, medianMs: [...runs].sort((a, b) => a - b)[1] ?? NaN, requests },
  };
}

export interface MemoryFigures {
  connections: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  perConnectionKb: number;
}

/**
 * A fresh instance, `connections` authenticated sockets that do nothing, resident memory before and after
 * (settled). Tokens are used round-robin (a user may hold many sockets).
 */
export async function measureIdleMemory(instance: Instance, tokens: string[], connections = 10_000): Promise<MemoryFigures> {
  await sleep(2000);
  const before = residentBytes(instance.pid);
  const sockets: WireSocket[] = [];
  try {
    await mapLimit(Array.from({ length: connections }, (_, i) => i), 100, async (i) => {
      sockets.push(await connect(instance.url, tokens[i % tokens.length] as string));
    });
    await sleep(5000);
    const after = residentBytes(instance.pid);
    return {
      connections,
      rssBeforeMb: round(before / 2 ** 20),
      rssAfterMb: round(after / 2 ** 20),
      perConnectionKb: round((after - before) / connections / 1024, 2),
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
  }
}
