/**
 * Provisioning through the public API (the SDK's REST client): users are registered (or logged in when they
 * exist, or their seeded session is reused), each room is created by its first member and joined by the others.
 */
import { MemorySessionStore, ParleyClient, ParleyError, type FetchLike } from '@parley/client';
import type { LoadtestOptions } from './options';
import { mapLimit } from './pool';
import { planRooms } from './schedule';
import { roomName, username, type SeedFile } from './seed';

/** One simulated user: its SDK client, its room, its target. */
export interface SimClient {
  index: number;
  username: string;
  target: string;
  client: ParleyClient;
  store: MemorySessionStore;
  userId: string;
  room: number;
  roomId: string;
}

export interface Provisioned {
  clients: SimClient[];
  rooms: Array<{ id: string; name: string; members: number[] }>;
  registered: number;
  loggedIn: number;
  reused: number;
  ms: number;
}

/** A failure that stops the run before any load is sent (exit code 1). */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

const RATE_LIMIT_HELP =
  'The server refused requests with rate_limited. Start the servers under test with high limits, e.g.\n' +
  '  AUTH_RATE_LIMIT=1000000 HTTP_RATE_LIMIT=1000000 SEND_RATE_LIMIT=1000000 npm start\n' +
  '(the defaults allow 30 auth requests per minute per IP and 20 messages per 10 s per user).';

const REQUEST_TIMEOUT_MS = 30_000;

/** fetch with a deadline, so that a stuck server cannot hang the setup. */
const timedFetch: FetchLike = (input, init) => {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
};

function createSimClient(index: number, options: LoadtestOptions, room: number, session: SeedFile['users'][number]['session'] = null): SimClient {
  const store = new MemorySessionStore();
  if (session) store.save(session);
  const target = options.targets[index % options.targets.length] as string;
  const client = new ParleyClient({ baseUrl: target, store, transports: ['websocket'], fetch: timedFetch, ackTimeoutMs: 10_000 });
  return { index, username: username(options.prefix, index), target, client, store, userId: session?.user.id ?? '', room, roomId: '' };
}

/** Turns the SDK's errors into setup errors that say what to do. */
function explain(error: unknown, what: string): Error {
  if (error instanceof ParleyError && error.code === 'rate_limited') return new SetupError(`${what}: rate_limited.\n${RATE_LIMIT_HELP}`);
  if (error instanceof ParleyError && error.code === 'network') return new SetupError(`${what}: ${error.message} (is the server running?)`);
  if (error instanceof SetupError) return error;
  return new SetupError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

type Counts = { registered: number; loggedIn: number; reused: number };

async function signIn(sim: SimClient, password: string, counts: Counts): Promise<void> {
  if (sim.store.load()) {
    // A seeded session: the SDK refreshes it when its access token is (nearly) expired.
    if (await sim.client.accessToken()) {
      sim.userId = sim.client.user?.id ?? sim.userId;
      counts.reused++;
      return;
    }
  }
  try {
    sim.userId = (await sim.client.register(sim.username, password)).id;
    counts.registered++;
  } catch (error) {
    if (!(error instanceof ParleyError) || error.code !== 'username_taken') throw error;
    try {
      sim.userId = (await sim.client.login(sim.username, password)).id;
      counts.loggedIn++;
    } catch (loginError) {
      if (loginError instanceof ParleyError && loginError.code === 'invalid_credentials') {
        throw new SetupError(`${sim.username} exists with another password: use another --prefix or the right --password`);
      }
      throw loginError;
    }
  }
}

async function createOrFindRoom(creator: SimClient, name: string): Promise<string> {
  try {
    return (await creator.client.rest.rooms.create({ name, description: 'Parley load test room' })).id;
  } catch (error) {
    if (!(error instanceof ParleyError) || error.code !== 'room_name_taken') throw error;
  }
  // A previous run with the same prefix created it: find it among the creator's rooms, then all public rooms.
  const same = (room: { name: string; kind: string }): boolean => room.kind === 'group' && room.name.toLowerCase() === name.toLowerCase();
  const found = (await creator.client.rest.rooms.list({ joined: true })).find(same) ?? (await creator.client.rest.rooms.list()).find(same);
  if (!found) throw new SetupError(`Room ${name} exists but is not visible to ${creator.username} (private?): use another --prefix`);
  return found.id;
}

/** Calls `report(done)` at most every 2 s while `run` goes. */
async function withProgress<T>(run: (tick: () => void) => Promise<T>, report: (done: number) => void): Promise<T> {
  let done = 0;
  const timer = setInterval(() => report(done), 2000);
  try {
    return await run(() => void done++);
  } finally {
    clearInterval(timer);
  }
}

/**
 * Users and rooms for `options.clients` clients: from the seed file when given (sessions reused), else
 * through register/login and room creation/joins, `options.concurrency` requests at a time.
 */
export async function provision(options: LoadtestOptions, seed: SeedFile | null, log: (line: string) => void): Promise<Provisioned> {
  const started = performance.now();
  const plan = planRooms(options.clients, options.roomSize);
  const sims: SimClient[] = [];
  plan.forEach((members, room) => {
    for (const index of members) sims[index] = createSimClient(index, options, room, seed?.users[index]?.session ?? null);
  });
  const counts: Counts = { registered: 0, loggedIn: 0, reused: 0 };
  await withProgress(
    (tick) =>
      mapLimit(sims, options.concurrency, async (sim) => {
        try {
          await signIn(sim, options.password, counts);
        } catch (error) {
          throw explain(error, `Signing in ${sim.username} at ${sim.target}`);
        }
        tick();
      }),
    (done) => log(`  users: ${done}/${sims.length}`),
  );
  log(`users ready: ${counts.registered} registered, ${counts.loggedIn} logged in, ${counts.reused} reused sessions (${Math.round(performance.now() - started)} ms)`);

  const rooms = plan.map((members, room) => ({ id: '', name: roomName(options.prefix, room), members }));
  if (seed) {
    for (const sim of sims) sim.roomId = seed.users[sim.index]?.roomId ?? '';
    for (const room of rooms) room.id = sims[room.members[0] as number]?.roomId ?? '';
  } else {
    await mapLimit(rooms, options.concurrency, async (room) => {
      const creator = sims[room.members[0] as number] as SimClient;
      try {
        room.id = await createOrFindRoom(creator, room.name);
      } catch (error) {
        throw explain(error, `Creating room ${room.name}`);
      }
    });
    for (const sim of sims) sim.roomId = rooms[sim.room]?.id ?? '';
    const joiners = sims.filter((sim) => rooms[sim.room]?.members[0] !== sim.index);
    await withProgress(
      (tick) =>
        mapLimit(joiners, options.concurrency, async (sim) => {
          try {
            await sim.client.rest.rooms.join(sim.roomId);
          } catch (error) {
            throw explain(error, `${sim.username} joining ${roomName(options.prefix, sim.room)}`);
          }
          tick();
        }),
      (done) => log(`  room joins: ${done}/${joiners.length}`),
    );
    log(`rooms ready: ${rooms.length} rooms of up to ${options.roomSize} (${Math.round(performance.now() - started)} ms)`);
  }
  return { clients: sims, rooms, ...counts, ms: Math.round(performance.now() - started) };
}
