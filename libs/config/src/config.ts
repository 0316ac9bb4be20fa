import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { TrustedProxies } from './trusted-proxies';

export type NodeEnv = 'development' | 'production' | 'test';
export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Typed, validated configuration. Built once at boot from the environment (docs/configuration.md lists it). */
export class AppConfig {
  nodeEnv!: NodeEnv;
  host!: string;
  port!: number;
  instanceId!: string;
  /** Where embedded PostgreSQL data and the development JWT secret live. */
  dataDir!: string;
  /** External PostgreSQL; when absent an embedded PostgreSQL is started under dataDir. */
  databaseUrl?: string;
  embeddedPostgresPort!: number;
  /** When set, broadcasts, presence and limits are shared through Redis. */
  redisUrl?: string;
  /** Namespace of every Redis key and channel. */
  redisPrefix!: string;
  /** Writer shards rooms are grouped in (one writer instance each); the same on every instance. */
  writerShards!: number;
  /** How long a writer shard's lease lasts unless renewed (renewed every third of it). */
  writerLeaseMs!: number;
  /** How long a send may wait for others to share its commit while sends keep coming (0: never). */
  sendLingerMs!: number;
  /** How often a writer merges message search's pending index entries (0: PostgreSQL does, inside a send). */
  searchIndexMergeMs!: number;
  /** Parley's transport fast paths (pre-encoded packets, spliced envelopes, corked writes); see pre-encoded.ts. */
  transportFastPaths!: boolean;
  /** An instance whose presence heartbeat is older than this is dead; its users go offline. */
  presenceInstanceTtlMs!: number;
  presenceHeartbeatMs!: number;
  jwtSecret!: string;
  /**
   * The secret as a key object, made once. Given a string, jsonwebtoken first tries (and fails) to parse it
   * as a public key on every sign and verify: 0.7 ms of CPU each, against 0.025 ms with this.
   */
  jwtKey!: KeyObject;
  jwtSecretSource!: 'env' | 'generated-file' | 'ephemeral';
  jwtAlgorithm!: JwtAlgorithm;
  accessTokenTtlSeconds!: number;
  refreshTokenTtlSeconds!: number;
  /** `true` reflects any origin; otherwise the allowed list. */
  corsOrigins!: true | string[];
  httpBodyLimitBytes!: number;
  socketMaxPayloadBytes!: number;
  /** Events one socket may send per 5 s, all events together (against floods). */
  socketEventLimit!: number;
  sendRateLimit!: number;
  sendRateWindowMs!: number;
  authRateLimitPerMinute!: number;
  httpRateLimitPerMinute!: number;
  /**
   * Peers whose X-Forwarded-For and X-Request-Id are believed (TRUSTED_PROXIES): the client address of a
   * request through them is the one they forwarded; anyone else's headers are ignored.
   */
  trustedProxies!: TrustedProxies;
  typingTimeoutMs!: number;
  /** A connected user none of whose sockets sent anything for this long shows as `away`. */
  awayAfterMs!: number;
  /** Comment line interval on SSE streams (keeps proxies from closing idle streams). */
  sseKeepAliveMs!: number;
  /** Interval of the admin stats stream and of each instance's stats report. */
  statsIntervalMs!: number;
  shutdownTimeoutMs!: number;
  /** PostgreSQL text search language of message search (stemming, stop words); the same on every instance. */
  searchLanguage!: SearchLanguage;
  /** Where attachment bytes live (docs/api-contract.md §11); every instance must use the same store. */
  attachmentStorage!: AttachmentStorageKind;
  /** The `filesystem` store's directory (a volume every instance shares). */
  attachmentDir!: string;
  /** The `s3` store; credentials come from the AWS SDK's standard chain (environment, profile, role). */
  attachmentS3!: { bucket: string; endpoint?: string; region: string; forcePathStyle: boolean };
  attachmentMaxBytes!: number;
  /** What one user's attachments may take in all. */
  attachmentQuotaBytes!: number;
  /** Images with more pixels are refused (decompression bombs). */
  attachmentMaxPixels!: number;
  /** Uploads never attached to a message are removed after this long. */
  attachmentUnsentTtlMs!: number;
  /** The files of a deleted message are removed this long after the deletion. */
  attachmentRetentionMs!: number;
  attachmentSweepIntervalMs!: number;
  /** Lifetime of signed download URLs. */
  attachmentUrlTtlSeconds!: number;
  logLevels!: Array<'error' | 'warn' | 'log' | 'debug' | 'verbose'>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * PostgreSQL's built-in text search configurations (13 and newer have all but the last six, which came in 14):
 * `simple` only lower-cases, the others stem words and drop the language's stop words.
 */
export const SEARCH_LANGUAGES = [
  'simple', 'arabic', 'danish', 'dutch', 'english', 'finnish', 'french', 'german', 'greek', 'hungarian', 'indonesian', 'irish',
  'italian', 'lithuanian', 'nepali', 'norwegian', 'portuguese', 'romanian', 'russian', 'spanish', 'swedish', 'tamil', 'turkish',
  'armenian', 'basque', 'catalan', 'hindi', 'serbian', 'yiddish',
] as const;
export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

export const ATTACHMENT_STORAGES = ['postgres', 'filesystem', 's3'] as const;
export type AttachmentStorageKind = (typeof ATTACHMENT_STORAGES)[number];

const DEFAULT_SECRET_MARKERS = ['changeme', 'change-me', 'secret', 'dev-secret', 'parley'];
const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;

class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Record<string, string | undefined>) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      this.problems.push(`${name} must be a ${protocols.join(' or ')}// URL`);
      return undefined;
    }
  }

  list(name: string): string[] {
    return (this.string(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }
}

function resolveJwtSecret(
  reader: EnvReader,
  nodeEnv: NodeEnv,
  dataDir: string,
): { secret: string; source: AppConfig['jwtSecretSource'] } {
  const fromEnv = reader.string('JWT_SECRET');
  if (fromEnv !== undefined) {
    const weak = fromEnv.length < 32 || DEFAULT_SECRET_MARKERS.includes(fromEnv.toLowerCase());
    if (weak && nodeEnv === 'production') {
      reader.problems.push('JWT_SECRET must be at least 32 characters and not a well-known default in production');
    }
    return { secret: fromEnv, source: 'env' };
  }
  if (nodeEnv === 'production') {
    reader.problems.push('JWT_SECRET is required when NODE_ENV=production (use at least 32 random characters)');
    return { secret: '', source: 'env' };
  }
  if (nodeEnv === 'test') return { secret: randomBytes(32).toString('hex'), source: 'ephemeral' };
  // Development: generate once and keep it, so tokens survive a restart.
  const file = join(dataDir, 'jwt-secret');
  const stored = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (stored.length >= 32) return { secret: stored, source: 'generated-file' };
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, source: 'generated-file' };
}

/** Loopback only: a proxy on the same host (the usual sidecar or local nginx). */
const DEFAULT_TRUSTED_PROXIES = ['127.0.0.1/8', '::1'];

function readAttachmentSettings(reader: EnvReader, config: AppConfig): void {
  config.attachmentStorage = reader.oneOf('ATTACHMENT_STORAGE', ATTACHMENT_STORAGES, 'postgres');
  config.attachmentDir = resolve(reader.string('ATTACHMENT_DIR') ?? join(config.dataDir, 'attachments'));
  const bucket = reader.string('ATTACHMENT_S3_BUCKET');
  const endpoint = reader.url('ATTACHMENT_S3_ENDPOINT', ['http:', 'https:']);
  const pathStyle = reader.oneOf('ATTACHMENT_S3_FORCE_PATH_STYLE', ['on', 'off'] as const, endpoint === undefined ? 'off' : 'on');
  config.attachmentS3 = { bucket: bucket ?? '', endpoint, region: reader.string('ATTACHMENT_S3_REGION') ?? 'us-east-1', forcePathStyle: pathStyle === 'on' };
  if (config.attachmentStorage === 's3' && bucket === undefined) reader.problems.push('ATTACHMENT_S3_BUCKET is required when ATTACHMENT_STORAGE=s3');
  config.attachmentMaxBytes = reader.int('ATTACHMENT_MAX_BYTES', 25 * 1024 * 1024, 1, 5 * 1024 ** 3);
  config.attachmentQuotaBytes = reader.int('ATTACHMENT_QUOTA_BYTES', 1024 ** 3, 1, Number.MAX_SAFE_INTEGER);
  config.attachmentMaxPixels = reader.int('ATTACHMENT_MAX_PIXELS', 50_000_000, 1, 1_000_000_000);
  config.attachmentUnsentTtlMs = reader.int('ATTACHMENT_UNSENT_TTL_MS', 3_600_000, 1000, 30 * 86_400_000);
  config.attachmentRetentionMs = reader.int('ATTACHMENT_RETENTION_MS', 0, 0, 3650 * 86_400_000);
  config.attachmentSweepIntervalMs = reader.int('ATTACHMENT_SWEEP_INTERVAL_MS', 60_000, 50, 86_400_000);
  config.attachmentUrlTtlSeconds = reader.int('ATTACHMENT_URL_TTL_SECONDS', 600, 10, 7 * 86_400);
}

function readTrustedProxies(reader: EnvReader): TrustedProxies {
  const raw = reader.string('TRUSTED_PROXIES');
  const entries = raw === undefined ? DEFAULT_TRUSTED_PROXIES : raw === 'none' ? [] : reader.list('TRUSTED_PROXIES');
  const parsed = TrustedProxies.parse(entries);
  if (parsed instanceof TrustedProxies) return parsed;
  reader.problems.push(`TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges, or "none" (not: ${parsed.problems.join(', ')})`);
  return TrustedProxies.parse([]) as TrustedProxies;
}

/** Reads and validates the whole configuration; throws ConfigError listing every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const reader = new EnvReader(env);
  const config = new AppConfig();
  config.nodeEnv = reader.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  config.host = reader.string('HOST') ?? '0.0.0.0';
  config.port = reader.int('PORT', 3000, 0, 65535);
  config.instanceId = reader.string('INSTANCE_ID') ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  config.dataDir = resolve(reader.string('PARLEY_DATA_DIR') ?? '.parley');
  config.databaseUrl = reader.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  config.embeddedPostgresPort = reader.int('EMBEDDED_PG_PORT', 54329, 1, 65535);
  config.redisUrl = reader.url('REDIS_URL', ['redis:', 'rediss:']);
  config.redisPrefix = reader.string('REDIS_PREFIX') ?? 'parley';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(config.redisPrefix)) reader.problems.push('REDIS_PREFIX must be 1–64 characters of letters, digits, _ . : -');
  if (reader.string('SOCKET_ADAPTER') !== undefined && reader.string('SOCKET_ADAPTER') !== 'sharded') {
    reader.problems.push('SOCKET_ADAPTER is gone: Parley always uses the sharded Socket.IO Redis adapter (Redis ≥ 7); unset it');
  }
  config.writerShards = reader.int('WRITER_SHARDS', 1, 1, 1024);
  config.writerLeaseMs = reader.int('WRITER_LEASE_MS', 5000, 300, 600_000);
  config.sendLingerMs = reader.int('SEND_LINGER_MS', 0, 0, 100);
  config.searchIndexMergeMs = reader.int('SEARCH_INDEX_MERGE_MS', 1000, 0, 600_000);
  config.transportFastPaths = reader.oneOf('TRANSPORT_FAST_PATHS', ['on', 'off'] as const, 'on') === 'on';
  config.presenceInstanceTtlMs = reader.int('PRESENCE_TTL_MS', 10_000, 1000, 600_000);
  config.presenceHeartbeatMs = reader.int('PRESENCE_HEARTBEAT_MS', 2000, 100, 60_000);
  if (config.presenceHeartbeatMs * 2 > config.presenceInstanceTtlMs) {
    reader.problems.push('PRESENCE_HEARTBEAT_MS must be at most half of PRESENCE_TTL_MS');
  }
  const { secret, source } = resolveJwtSecret(reader, config.nodeEnv, config.dataDir);
  config.jwtSecret = secret;
  config.jwtKey = createSecretKey(Buffer.from(secret, 'utf8'));
  config.jwtSecretSource = source;
  config.jwtAlgorithm = reader.oneOf('JWT_ALGORITHM', ['HS256', 'HS384', 'HS512'] as const, 'HS256');
  config.accessTokenTtlSeconds = reader.int('ACCESS_TOKEN_TTL', 900, 10, 86_400);
  config.refreshTokenTtlSeconds = reader.int('REFRESH_TOKEN_TTL', 30 * 86_400, 60, 365 * 86_400);
  const origins = reader.list('CORS_ORIGINS');
  config.corsOrigins = origins.length === 0 || origins.includes('*') ? true : origins;
  config.httpBodyLimitBytes = reader.int('HTTP_BODY_LIMIT', 64 * 1024, 1024, 10 * 1024 * 1024);
  config.socketMaxPayloadBytes = reader.int('SOCKET_MAX_PAYLOAD', 64 * 1024, 1024, 10 * 1024 * 1024);
  config.socketEventLimit = reader.int('SOCKET_EVENT_LIMIT', 60, 1, 1_000_000);
  config.sendRateLimit = reader.int('SEND_RATE_LIMIT', 20, 1, 1_000_000);
  config.sendRateWindowMs = reader.int('SEND_RATE_WINDOW_MS', 10_000, 100, 3_600_000);
  config.authRateLimitPerMinute = reader.int('AUTH_RATE_LIMIT', 30, 1, 1_000_000);
  config.httpRateLimitPerMinute = reader.int('HTTP_RATE_LIMIT', 1200, 1, 10_000_000);
  config.trustedProxies = readTrustedProxies(reader);
  // It made admin whoever registered a listed name first; refused so nobody relies on it unknowingly.
  if (reader.list('ADMIN_USERNAMES').length > 0) {
    reader.problems.push('ADMIN_USERNAMES is no longer supported: grant admin rights to existing accounts with `npm run admin -- grant USERNAME`');
  }
  config.typingTimeoutMs = reader.int('TYPING_TIMEOUT_MS', 5000, 100, 60_000);
  config.awayAfterMs = reader.int('AWAY_AFTER_MS', 300_000, 1000, 86_400_000);
  config.sseKeepAliveMs = reader.int('SSE_KEEPALIVE_MS', 15_000, 50, 300_000);
  config.statsIntervalMs = reader.int('STATS_INTERVAL_MS', 2000, 100, 60_000);
  config.shutdownTimeoutMs = reader.int('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000);
  config.searchLanguage = reader.oneOf('SEARCH_LANGUAGE', SEARCH_LANGUAGES, 'simple');
  readAttachmentSettings(reader, config);
  const level = reader.oneOf('LOG_LEVEL', LOG_LEVELS, config.nodeEnv === 'test' ? 'warn' : 'log');
  config.logLevels = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}
