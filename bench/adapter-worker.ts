/**
 * One Socket.IO instance of the adapter benchmark (forked by bench/adapter.ts, never run by hand).
 *
 * A bare `http` server + Socket.IO server with the stock Redis adapter (classic or sharded) over two ioredis
 * connections (adapter pub/sub). Clients `join` rooms and `pub` to them; the instance
 * broadcasts `m` with a ~200 byte payload. Between the parent's `start` and `stop` messages it measures
 * what the adapter costs this process: CPU time, event-loop utilisation and the number of pub/sub
 * messages its subscriber connection received from Redis.
 *
 * argv: <classic|sharded> <redisUrl> <channelPrefix> <instanceIndex>
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { RedisConnections } from '../libs/redis/src/redis-connections';

/** The two flavours of @socket.io/redis-adapter compared (Parley uses the sharded one). */
export type SocketAdapterKind = 'sharded' | 'classic';

/** Messages from bench/adapter.ts. */
export type ParentMessage = { type: 'start' } | { type: 'stop' };

/** What this instance measured between `start` and `stop`. */
export interface WorkerStats {
  type: 'stats';
  /** user + system CPU time of this process. */
  cpuMs: number;
  /** share of the time the event loop was busy (0..1). */
  eventLoopUtilization: number;
  /** pub/sub messages Redis pushed to the adapter's subscriber connection. */
  redisMessages: number;
}

/** Messages to bench/adapter.ts. */
export type WorkerMessage = { type: 'ready'; port: number } | { type: 'started' } | { type: 'failed'; error: string } | WorkerStats;

/** With `{"sentAt":1754000000000.123,"pad":…}` around it, a broadcast payload of about 200 bytes. */
const PAYLOAD_PAD = 'x'.repeat(170);

interface Arguments {
  kind: SocketAdapterKind;
  redisUrl: string;
  prefix: string;
  index: number;
}

function parseArguments(argv: string[]): Arguments {
  const [kind, redisUrl, prefix, index] = argv;
  if ((kind !== 'classic' && kind !== 'sharded') || !redisUrl || !prefix || index === undefined) {
    throw new Error('usage: adapter-worker <classic|sharded> <redisUrl> <prefix> <index>');
  }
  return { kind, redisUrl, prefix, index: Number(index) };
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** Counts what Redis pushes to the adapter's subscriber connection, whichever pub/sub flavour it uses. */
function countSubscriberMessages(redis: RedisConnections): () => number {
  let received = 0;
  const count = (): void => {
    received++;
  };
  for (const event of ['messageBuffer', 'pmessageBuffer', 'smessageBuffer']) redis.adapterSub.on(event, count);
  return () => received;
}

/** Socket.IO server with the adapter under test; the only handlers are the two the benchmark drives. */
function createIoServer(redis: RedisConnections, kind: SocketAdapterKind): HttpServer {
  const httpServer = createServer();
  const adapter =
    kind === 'sharded'
      ? createShardedAdapter(redis.sendPath, redis.adapterSub, { subscriptionMode: 'dynamic', channelPrefix: `${redis.prefix}#sio` })
      : createAdapter(redis.sendPath, redis.adapterSub, { key: `${redis.prefix}#sio` });
  const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, adapter });
  io.on('connection', (socket) => {
    socket.on('join', (room: string, ack?: () => void) => {
      void socket.join(room);
      ack?.();
    });
    socket.on('pub', ({ room, sentAt }: { room: string; sentAt: number }) => {
      io.to(room).emit('m', { sentAt, pad: PAYLOAD_PAD });
    });
  });
  return httpServer;
}

function listen(httpServer: HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => resolve((httpServer.address() as AddressInfo).port));
  });
}

/** Answers `start` (take a baseline) and `stop` (report the deltas since the baseline). */
function serveMeasurements(received: () => number): void {
  let cpu = process.cpuUsage();
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let receivedAtStart = 0;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'start') {
      cpu = process.cpuUsage();
      elu = performance.eventLoopUtilization();
      receivedAtStart = received();
      send({ type: 'started' });
    } else {
      const used = process.cpuUsage(cpu);
      send({
        type: 'stats',
        cpuMs: (used.user + used.system) / 1000,
        eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
        redisMessages: received() - receivedAtStart,
      });
    }
  });
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  // The parent going away (normal end, crash or kill) ends this instance too.
  process.on('disconnect', () => process.exit(0));
  // Lazy connections: only the two the adapter uses are opened.
  const redis = new RedisConnections(args.redisUrl, `bench-${args.index}`, args.prefix);
  await Promise.all([redis.sendPath.connect(), redis.adapterSub.connect()]);
  const received = countSubscriberMessages(redis);
  const httpServer = createIoServer(redis, args.kind);
  serveMeasurements(received);
  send({ type: 'ready', port: await listen(httpServer) });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: String(error) });
  process.exit(1);
});
