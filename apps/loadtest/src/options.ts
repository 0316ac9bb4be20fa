/** Command-line options of `npm run loadtest`, parsed by hand and validated (pure, no I/O). */
import { DRIVERS, type Driver } from './links';

export interface LoadtestOptions {
  /** Instance base URLs; simulated clients are spread over them round-robin. */
  targets: string[];
  clients: number;
  /** Clients per room; the last room holds the remainder when `clients` is not a multiple. */
  roomSize: number;
  /** Total messages per second over all clients (open loop). */
  rate: number;
  /** Characters of message content (the timing header included). */
  size: number;
  /** Measured seconds, after the warm-up. */
  duration: number;
  /** Seconds of load before the measurement starts (excluded from the histograms). */
  warmup: number;
  /** Folder for results.json and report.html (and seed files). */
  out: string;
  password: string;
  /** Username prefix: user i is `${prefix}${i}`, room j is `${prefix}room-${j}`. */
  prefix: string;
  /** Provision users and rooms, write the seed files, and exit. */
  seedOnly: boolean;
  /** A seed.json written by --seed-only: reuse its sessions instead of logging every user in. */
  seed?: string;
  /** Print only the results JSON (no progress, no table). */
  json: boolean;
  allowRemote: boolean;
  /** Parallel HTTP requests while provisioning (connections use 2.5×). */
  concurrency: number;
  /** How clients talk once provisioned: the SDK, or the contract's bare socket events (links.ts). */
  driver: Driver;
}

/** Hard limits: the tool must never become a flood generator by a typo, and always stops by itself. */
export const LIMITS = {
  clients: 20_000,
  roomSize: 10_000,
  rate: 100_000,
  /** The contract's longest message content. */
  size: 5000,
  duration: 3600,
  warmup: 600,
  concurrency: 200,
  prefixLength: 24,
} as const;

/** The server's default per-socket event budget (SOCKET_EVENT_LIMIT, 60 events per 5 s): beyond it sends get `rate_limited`. */
const SOCKET_EVENT_BUDGET_PER_SECOND = 12;

export const USAGE = `Usage: npm run loadtest -- [options]

Simulated Parley users (the client SDK over WebSocket) send messages to their rooms on an open-loop
schedule; end-to-end latency (send → receipt by the other members) and ack latency are recorded in HDR
histograms, measured from each message's scheduled time (no coordinated omission).

  --targets URL[,URL…]  instance base URLs, clients spread round-robin (default http://127.0.0.1:3000)
  --clients N           simulated users, one socket each (default 100, at most ${LIMITS.clients})
  --room-size N         users per room, rooms = clients / room-size (default 10)
  --rate N              total messages per second, all senders together (default 200)
  --size N              characters of message content (default 100, at most ${LIMITS.size})
  --duration S          measured seconds (default 20, at most ${LIMITS.duration})
  --warmup S            seconds of load before measuring (default 5)
  --out DIR             where results.json and report.html go (default loadtest-results)
  --prefix P            username prefix, so runs do not collide (default: a new one per run)
  --password P          password of the simulated users (default loadtest-password)
  --concurrency N       parallel requests while provisioning (default 20)
  --driver sdk|socket   sdk: the client SDK (exactly-once, in-order feed; default); socket: the bare wire
                        events (room:join, message:send, message:new), lighter on the generator
  --seed-only           provision users and rooms, write DIR/seed.json and DIR/artillery-users.csv, exit
  --seed FILE           reuse the users, rooms and sessions of a --seed-only run (no logins)
  --json                print only the results JSON on stdout
  --allow-remote        allow targets that are not loopback addresses
  -h, --help            this text

The servers under test must allow the load: start them with
  AUTH_RATE_LIMIT=1000000 HTTP_RATE_LIMIT=1000000 SEND_RATE_LIMIT=1000000 SOCKET_EVENT_LIMIT=1000000 npm start`;

export class UsageError extends Error {
  /** True for --help: print the usage and exit 0. */
  constructor(
    message: string,
    readonly help = false,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A fresh username prefix: short, valid for usernames and room names, different for every run. */
export function defaultPrefix(now = Date.now(), random = Math.random()): string {
  return `lt${now.toString(36).slice(-5)}${Math.floor(random * 36 ** 3).toString(36).padStart(3, '0')}_`;
}

/** Loopback only: 127.0.0.0/8, localhost, ::1. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

type NumericKey = 'clients' | 'roomSize' | 'rate' | 'size' | 'duration' | 'warmup' | 'concurrency';

const NUMERIC: Record<string, { key: NumericKey; min: number; max: number; integer: boolean }> = {
  '--clients': { key: 'clients', min: 2, max: LIMITS.clients, integer: true },
  '--room-size': { key: 'roomSize', min: 2, max: LIMITS.roomSize, integer: true },
  '--rate': { key: 'rate', min: 0.1, max: LIMITS.rate, integer: false },
  '--size': { key: 'size', min: 1, max: LIMITS.size, integer: true },
  '--duration': { key: 'duration', min: 1, max: LIMITS.duration, integer: false },
  '--warmup': { key: 'warmup', min: 0, max: LIMITS.warmup, integer: false },
  '--concurrency': { key: 'concurrency', min: 1, max: LIMITS.concurrency, integer: true },
};

const STRING = new Set(['--targets', '--out', '--prefix', '--password', '--seed', '--driver']);
const FLAGS = new Set(['--seed-only', '--json', '--allow-remote']);

export function defaults(): LoadtestOptions {
  return {
    targets: ['http://127.0.0.1:3000'],
    clients: 100,
    roomSize: 10,
    rate: 200,
    size: 100,
    duration: 20,
    warmup: 5,
    out: 'loadtest-results',
    password: 'loadtest-password',
    prefix: defaultPrefix(),
    seedOnly: false,
    json: false,
    allowRemote: false,
    concurrency: 20,
    driver: 'sdk',
  };
}

/** Parses `--name value` and `--name=value`; throws UsageError with a readable message. */
export function parseArgs(argv: string[]): LoadtestOptions {
  const options = defaults();
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] ?? '';
    if (raw === '-h' || raw === '--help') throw new UsageError(USAGE, true);
    const eq = raw.indexOf('=');
    const name = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    if (FLAGS.has(name)) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      if (name === '--seed-only') options.seedOnly = true;
      else if (name === '--json') options.json = true;
      else options.allowRemote = true;
      continue;
    }
    const numeric = NUMERIC[name];
    if (!numeric && !STRING.has(name)) throw new UsageError(`Unknown argument ${raw}\n\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
    if (numeric) {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number) || (numeric.integer && !Number.isInteger(number)) || number < numeric.min || number > numeric.max) {
        throw new UsageError(`${name} must be ${numeric.integer ? 'an integer' : 'a number'} from ${numeric.min} to ${numeric.max} (got ${value})`);
      }
      options[numeric.key] = number;
    } else if (name === '--targets') {
      options.targets = value.split(',').map((target) => target.trim().replace(/\/+$/, '')).filter(Boolean);
    } else if (name === '--out') options.out = value;
    else if (name === '--prefix') options.prefix = value;
    else if (name === '--password') options.password = value;
    else if (name === '--driver') {
      if (!(DRIVERS as readonly string[]).includes(value)) throw new UsageError(`--driver is one of ${DRIVERS.join(', ')} (got ${value})`);
      options.driver = value as Driver;
    }
    else options.seed = value;
  }
  validate(options);
  return options;
}

export function validate(options: LoadtestOptions): void {
  if (options.targets.length === 0) throw new UsageError('--targets needs at least one URL');
  for (const target of options.targets) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new UsageError(`Not a URL: ${target}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`Targets are http(s) URLs: ${target}`);
    if (!options.allowRemote && !isLoopbackUrl(target)) {
      throw new UsageError(`${target} is not a loopback address; pass --allow-remote to load a server you operate elsewhere`);
    }
  }
  if (options.roomSize > options.clients) throw new UsageError(`--room-size (${options.roomSize}) cannot exceed --clients (${options.clients})`);
  if (options.clients % options.roomSize === 1) {
    throw new UsageError(`--clients ${options.clients} with --room-size ${options.roomSize} leaves one user alone in the last room; change either`);
  }
  if (!/^[A-Za-z0-9_.-]{2,}$/.test(options.prefix) || options.prefix.length > LIMITS.prefixLength) {
    throw new UsageError(`--prefix: 2 to ${LIMITS.prefixLength} characters of [A-Za-z0-9_.-]`);
  }
  if (options.password.length < 8 || options.password.length > 128) throw new UsageError('--password must have 8 to 128 characters');
  if (options.out.trim() === '') throw new UsageError('--out needs a folder');
}

/** Warnings about settings the server will refuse or the run cannot honour. */
export function warnings(options: LoadtestOptions): string[] {
  const notes: string[] = [];
  const perClient = options.rate / options.clients;
  if (perClient > SOCKET_EVENT_BUDGET_PER_SECOND * 0.9) {
    notes.push(
      `Each client sends ${perClient.toFixed(1)} messages/s; the server allows about ${SOCKET_EVENT_BUDGET_PER_SECOND} events/s per socket ` +
        `(SOCKET_EVENT_LIMIT, 60 per 5 s by default), so expect rate_limited errors unless the servers raise it: or use more --clients.`,
    );
  }
  return notes;
}

/** A bound on the whole run (setup grows with the clients): the process exits when it is exceeded. */
export function hardDeadlineMs(options: LoadtestOptions): number {
  const setupMs = 120_000 + options.clients * 60;
  const runMs = options.seedOnly ? 0 : (options.warmup + options.duration) * 1000 + 60_000;
  return setupMs + runMs;
}
