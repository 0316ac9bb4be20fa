import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppConfig, ConfigError, loadConfig } from './config';

const STRONG_SECRET = 'k3Jq9vX2mP7wR4tY8uZ1aB5cD6eF0gH2'; // 32 characters, not a known default

/** Calls `fn`, expects a ConfigError and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

/** A test-env config (no secret file is written) with the given overrides. */
function testConfig(env: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({ NODE_ENV: 'test', ...env });
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('fills every field with its default when the environment is empty (test env)', () => {
      const config = testConfig();
      expect(config).toBeInstanceOf(AppConfig);
      expect(config).toMatchObject({
        nodeEnv: 'test',
        host: '0.0.0.0',
        port: 3000,
        instanceId: expect.stringMatching(new RegExp(`^${hostname()}-${process.pid}-[0-9a-f]{4}$`)),
        dataDir: resolve('.parley'),
        embeddedPostgresPort: 54329,
        jwtSecretSource: 'ephemeral',
        jwtAlgorithm: 'HS256',
        accessTokenTtlSeconds: 900,
        refreshTokenTtlSeconds: 30 * 86_400,
        corsOrigins: true,
        httpBodyLimitBytes: 64 * 1024,
        socketMaxPayloadBytes: 64 * 1024,
        sendRateLimit: 20,
        sendRateWindowMs: 10_000,
        authRateLimitPerMinute: 30,
        httpRateLimitPerMinute: 1200,
        typingTimeoutMs: 5000,
        shutdownTimeoutMs: 10_000,
        writerShards: 1,
        writerLeaseMs: 5000,
        sendLingerMs: 0,
        searchIndexMergeMs: 1000,
        transportFastPaths: true,
        logLevels: ['error', 'warn'],
      });
      expect(config.databaseUrl).toBeUndefined();
      expect(config.redisUrl).toBeUndefined();
    });

    it('defaults NODE_ENV to development with log level "log"', () => {
      // JWT_SECRET set so that development does not write a secret file into the working directory.
      const config = loadConfig({ JWT_SECRET: STRONG_SECRET });
      expect(config.nodeEnv).toBe('development');
      expect(config.logLevels).toEqual(['error', 'warn', 'log']);
      expect(config.jwtSecret).toBe(STRONG_SECRET);
      expect(config.jwtKey.type).toBe('secret');
      expect(config.jwtKey.export().toString('utf8')).toBe(STRONG_SECRET);
      expect(config.jwtSecretSource).toBe('env');
    });

    it('treats empty and blank variables as unset', () => {
      const config = testConfig({ PORT: '', HOST: '   ', INSTANCE_ID: '', DATABASE_URL: ' ', LOG_LEVEL: '' });
      expect(config.port).toBe(3000);
      expect(config.host).toBe('0.0.0.0');
      expect(config.instanceId).toMatch(new RegExp(`^${hostname()}-${process.pid}-[0-9a-f]{4}$`));
      expect(config.databaseUrl).toBeUndefined();
      expect(config.logLevels).toEqual(['error', 'warn']);
    });

    it('reads explicit values, trimming surrounding whitespace', () => {
      const config = testConfig({
        HOST: ' 127.0.0.1 ',
        PORT: ' 8080 ',
        INSTANCE_ID: 'node-a',
        PARLEY_DATA_DIR: '/var/lib/parley',
        EMBEDDED_PG_PORT: '6000',
        JWT_ALGORITHM: 'HS512',
        ACCESS_TOKEN_TTL: '60',
        REFRESH_TOKEN_TTL: '3600',
        HTTP_BODY_LIMIT: '2048',
        SOCKET_MAX_PAYLOAD: '4096',
        SEND_RATE_LIMIT: '3',
        SEND_RATE_WINDOW_MS: '500',
        AUTH_RATE_LIMIT: '7',
        HTTP_RATE_LIMIT: '99',
        TYPING_TIMEOUT_MS: '250',
        SHUTDOWN_TIMEOUT_MS: '1000',
        WRITER_SHARDS: '4',
        WRITER_LEASE_MS: '900',
        SEND_LINGER_MS: '3',
        SEARCH_INDEX_MERGE_MS: '0',
        TRANSPORT_FAST_PATHS: 'off',
      });
      expect(config).toMatchObject({
        writerShards: 4,
        writerLeaseMs: 900,
        sendLingerMs: 3,
        searchIndexMergeMs: 0,
        transportFastPaths: false,
        host: '127.0.0.1',
        port: 8080,
        instanceId: 'node-a',
        dataDir: resolve('/var/lib/parley'),
        embeddedPostgresPort: 6000,
        jwtAlgorithm: 'HS512',
        accessTokenTtlSeconds: 60,
        refreshTokenTtlSeconds: 3600,
        httpBodyLimitBytes: 2048,
        socketMaxPayloadBytes: 4096,
        sendRateLimit: 3,
        sendRateWindowMs: 500,
        authRateLimitPerMinute: 7,
        httpRateLimitPerMinute: 99,
        typingTimeoutMs: 250,
        shutdownTimeoutMs: 1000,
      });
    });

    it('reads SEARCH_LANGUAGE (default simple) and refuses a language PostgreSQL does not have', () => {
      expect(testConfig({}).searchLanguage).toBe('simple');
      expect(testConfig({ SEARCH_LANGUAGE: 'english' }).searchLanguage).toBe('english');
      const error = configError(() => testConfig({ SEARCH_LANGUAGE: 'klingon' }));
      expect(error.problems).toEqual([expect.stringMatching(/^SEARCH_LANGUAGE must be one of simple, arabic, .* \(got "klingon"\)$/)]);
    });

    it('resolves a relative PARLEY_DATA_DIR against the working directory', () => {
      expect(testConfig({ PARLEY_DATA_DIR: 'some/dir' }).dataDir).toBe(resolve('some/dir'));
    });
  });

  describe('integers', () => {
    it.each(['0', '1', '65535'])('accepts PORT=%s (inclusive bounds)', (port) => {
      expect(testConfig({ PORT: port }).port).toBe(Number(port));
    });

    it.each(['abc', '-1', '65536', '70000', '3.5', '1e3', '0x50', '80 80', '+80'])('rejects PORT=%s', (port) => {
      const error = configError(() => testConfig({ PORT: port }));
      expect(error.problems).toEqual([`PORT must be an integer between 0 and 65535 (got "${port.trim()}")`]);
    });

    it.each([
      ['EMBEDDED_PG_PORT', '0'],
      ['ACCESS_TOKEN_TTL', '9'],
      ['ACCESS_TOKEN_TTL', '86401'],
      ['REFRESH_TOKEN_TTL', '59'],
      ['HTTP_BODY_LIMIT', '1023'],
      ['SOCKET_MAX_PAYLOAD', String(10 * 1024 * 1024 + 1)],
      ['SEND_RATE_LIMIT', '0'],
      ['SEND_RATE_WINDOW_MS', '99'],
      ['AUTH_RATE_LIMIT', '0'],
      ['HTTP_RATE_LIMIT', '10000001'],
      ['TYPING_TIMEOUT_MS', '60001'],
      ['SHUTDOWN_TIMEOUT_MS', '99'],
    ])('rejects %s=%s as out of range', (name, value) => {
      const error = configError(() => testConfig({ [name]: value }));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(new RegExp(`^${name} must be an integer between \\d+ and \\d+ \\(got "${value}"\\)$`));
    });
  });

  describe('URLs', () => {
    it.each(['postgres://user:pw@db:5432/parley', 'postgresql://db/parley'])('accepts DATABASE_URL=%s', (url) => {
      expect(testConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    });

    it.each(['redis://localhost:6379', 'rediss://cache.example.com:6380/0'])('accepts REDIS_URL=%s', (url) => {
      expect(testConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    });

    it.each(['mysql://db/parley', 'http://db', 'not a url', 'redis://localhost'])('rejects DATABASE_URL=%s', (url) => {
      const error = configError(() => testConfig({ DATABASE_URL: url }));
      expect(error.problems).toEqual(['DATABASE_URL must be a postgres: or postgresql:// URL']);
    });

    it.each(['postgres://db', 'http://cache', 'localhost:6379x', '://'])('rejects REDIS_URL=%s', (url) => {
      const error = configError(() => testConfig({ REDIS_URL: url }));
      expect(error.problems).toEqual(['REDIS_URL must be a redis: or rediss:// URL']);
    });
  });

  describe('enums', () => {
    it('rejects an unknown NODE_ENV', () => {
      const error = configError(() => loadConfig({ NODE_ENV: 'staging', JWT_SECRET: STRONG_SECRET }));
      expect(error.problems).toEqual(['NODE_ENV must be one of development, production, test (got "staging")']);
    });

    it('is case-sensitive for enums', () => {
      const error = configError(() => testConfig({ JWT_ALGORITHM: 'hs256' }));
      expect(error.problems).toEqual(['JWT_ALGORITHM must be one of HS256, HS384, HS512 (got "hs256")']);
    });

    it.each(['RS256', 'none'])('rejects JWT_ALGORITHM=%s', (alg) => {
      const error = configError(() => testConfig({ JWT_ALGORITHM: alg }));
      expect(error.problems).toEqual([`JWT_ALGORITHM must be one of HS256, HS384, HS512 (got "${alg}")`]);
    });

    it('rejects an unknown LOG_LEVEL', () => {
      const error = configError(() => testConfig({ LOG_LEVEL: 'trace' }));
      expect(error.problems).toEqual(['LOG_LEVEL must be one of error, warn, log, debug, verbose (got "trace")']);
    });
  });

  describe('the send path', () => {
    it('refuses writer shards, leases and lingers out of range, and an unknown fast-path switch', () => {
      expect(() => testConfig({ WRITER_SHARDS: '0' })).toThrow(/WRITER_SHARDS must be an integer between 1 and 1024/);
      expect(() => testConfig({ WRITER_LEASE_MS: '100' })).toThrow(/WRITER_LEASE_MS/);
      expect(() => testConfig({ SEND_LINGER_MS: '-1' })).toThrow(/SEND_LINGER_MS/);
      expect(() => testConfig({ TRANSPORT_FAST_PATHS: 'yes' })).toThrow(/TRANSPORT_FAST_PATHS must be one of on, off/);
    });

    it('refuses the removed classic Socket.IO adapter with a clear message, and accepts the sharded one', () => {
      expect(() => testConfig({ SOCKET_ADAPTER: 'classic' })).toThrow(/SOCKET_ADAPTER is gone/);
      expect(testConfig({ SOCKET_ADAPTER: 'sharded' }).writerShards).toBe(1);
    });
  });

  describe('TRUSTED_PROXIES', () => {
    it('trusts loopback only by default', () => {
      const { trustedProxies } = testConfig();
      expect(trustedProxies.entries).toEqual(['127.0.0.1/8', '::1']);
      expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].filter((ip) => trustedProxies.includes(ip))).toHaveLength(4);
      expect(['10.0.0.1', '192.168.1.2', '172.16.0.1', 'fd00::1', '8.8.8.8', '::ffff:10.0.0.1'].some((ip) => trustedProxies.includes(ip))).toBe(false);
      expect(trustedProxies.includes(undefined)).toBe(false);
      expect(trustedProxies.includes('not-an-ip')).toBe(false);
    });

    it('reads addresses and CIDR ranges of both families', () => {
      const { trustedProxies } = testConfig({ TRUSTED_PROXIES: ' 10.1.0.0/16 , 192.168.5.7, fd00::/8 ' });
      expect(trustedProxies.entries).toEqual(['10.1.0.0/16', '192.168.5.7', 'fd00::/8']);
      expect(['10.1.200.3', '192.168.5.7', 'fd12::9', '::ffff:10.1.0.1'].every((ip) => trustedProxies.includes(ip))).toBe(true);
      expect(['10.2.0.1', '192.168.5.8', '127.0.0.1', '::1'].some((ip) => trustedProxies.includes(ip))).toBe(false);
    });

    it('trusts nobody with "none"', () => {
      const { trustedProxies } = testConfig({ TRUSTED_PROXIES: 'none' });
      expect(trustedProxies.entries).toEqual([]);
      expect(trustedProxies.includes('127.0.0.1')).toBe(false);
    });

    it.each(['localhost', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', '10.0.0/8', '10.0.0.0/x', 'loopback'])('refuses %s', (entry) => {
      expect(configError(() => testConfig({ TRUSTED_PROXIES: `127.0.0.1,${entry}` })).problems).toEqual([
        `TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges, or "none" (not: ${entry})`,
      ]);
    });
  });

  describe('ConfigError', () => {
    it('lists every problem at once, in a readable message', () => {
      const error = configError(() =>
        loadConfig({
          NODE_ENV: 'production',
          PORT: 'eighty',
          DATABASE_URL: 'mysql://db',
          REDIS_URL: 'http://cache',
          JWT_ALGORITHM: 'RS256',
          LOG_LEVEL: 'loud',
        }),
      );
      expect(error.name).toBe('ConfigError');
      expect(error.problems).toEqual([
        'PORT must be an integer between 0 and 65535 (got "eighty")',
        'DATABASE_URL must be a postgres: or postgresql:// URL',
        'REDIS_URL must be a redis: or rediss:// URL',
        'JWT_SECRET is required when NODE_ENV=production (use at least 32 random characters)',
        'JWT_ALGORITHM must be one of HS256, HS384, HS512 (got "RS256")',
        'LOG_LEVEL must be one of error, warn, log, debug, verbose (got "loud")',
      ]);
      expect(error.message.split('\n')).toEqual(['Invalid configuration:', ...error.problems.map((p) => `  - ${p}`)]);
    });

    it('is an Error', () => {
      const error = new ConfigError(['a', 'b']);
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toBe('Invalid configuration:\n  - a\n  - b');
    });
  });

  describe('JWT secret', () => {
    let dataDir: string;

    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'parley-config-spec-'));
    });

    afterEach(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    describe('in production', () => {
      it('refuses a missing JWT_SECRET', () => {
        const error = configError(() => loadConfig({ NODE_ENV: 'production', PARLEY_DATA_DIR: dataDir }));
        expect(error.problems).toEqual(['JWT_SECRET is required when NODE_ENV=production (use at least 32 random characters)']);
        expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
      });

      it('refuses a blank JWT_SECRET as missing', () => {
        const error = configError(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: '   ' }));
        expect(error.problems).toEqual(['JWT_SECRET is required when NODE_ENV=production (use at least 32 random characters)']);
      });

      it.each([
        ['too short', 'x'.repeat(31)],
        ['a well-known default', 'changeme'],
        ['a well-known default in another case', 'SECRET'],
      ])('refuses a weak JWT_SECRET (%s)', (_label, secret) => {
        const error = configError(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }));
        expect(error.problems).toEqual(['JWT_SECRET must be at least 32 characters and not a well-known default in production']);
      });

      it('accepts a strong JWT_SECRET from the environment', () => {
        const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, PARLEY_DATA_DIR: dataDir });
        expect(config.jwtSecret).toBe(STRONG_SECRET);
        expect(config.jwtSecretSource).toBe('env');
        expect(config.logLevels).toEqual(['error', 'warn', 'log']);
        expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
      });
    });

    it('accepts a weak JWT_SECRET outside production', () => {
      const config = loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'changeme', PARLEY_DATA_DIR: dataDir });
      expect(config.jwtSecret).toBe('changeme');
      expect(config.jwtSecretSource).toBe('env');
      expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
    });

    it('in test, makes a fresh ephemeral secret and writes nothing', () => {
      const first = loadConfig({ NODE_ENV: 'test', PARLEY_DATA_DIR: dataDir });
      const second = loadConfig({ NODE_ENV: 'test', PARLEY_DATA_DIR: dataDir });
      expect(first.jwtSecretSource).toBe('ephemeral');
      expect(first.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
      expect(second.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
      expect(second.jwtSecret).not.toBe(first.jwtSecret);
      expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
    });

    describe('in development', () => {
      it('generates a secret file once and reuses it', () => {
        const file = join(dataDir, 'jwt-secret');
        const first = loadConfig({ NODE_ENV: 'development', PARLEY_DATA_DIR: dataDir });
        expect(first.jwtSecretSource).toBe('generated-file');
        expect(first.jwtSecret).toMatch(/^[A-Za-z0-9_-]{64}$/);
        expect(readFileSync(file, 'utf8')).toBe(`${first.jwtSecret}\n`);
        if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

        const second = loadConfig({ NODE_ENV: 'development', PARLEY_DATA_DIR: dataDir });
        expect(second.jwtSecretSource).toBe('generated-file');
        expect(second.jwtSecret).toBe(first.jwtSecret);
      });

      it('creates a missing data directory (recursively)', () => {
        const nested = join(dataDir, 'a', 'b');
        const config = loadConfig({ PARLEY_DATA_DIR: nested });
        expect(config.dataDir).toBe(nested);
        expect(readFileSync(join(nested, 'jwt-secret'), 'utf8').trim()).toBe(config.jwtSecret);
      });

      it('reuses an existing secret file, trimmed', () => {
        mkdirSync(dataDir, { recursive: true });
        writeFileSync(join(dataDir, 'jwt-secret'), '  an-existing-secret-value-of-32-characters-or-more  \n');
        const config = loadConfig({ NODE_ENV: 'development', PARLEY_DATA_DIR: dataDir });
        expect(config.jwtSecret).toBe('an-existing-secret-value-of-32-characters-or-more');
        expect(config.jwtSecretSource).toBe('generated-file');
      });

      it('replaces an empty or too short secret file with a fresh secret', () => {
        mkdirSync(dataDir, { recursive: true });
        writeFileSync(join(dataDir, 'jwt-secret'), '  \n');
        const config = loadConfig({ NODE_ENV: 'development', PARLEY_DATA_DIR: dataDir });
        expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
        expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim()).toBe(config.jwtSecret);
      });

      it('prefers JWT_SECRET over the secret file', () => {
        writeFileSync(join(dataDir, 'jwt-secret'), 'from-file\n');
        const config = loadConfig({ NODE_ENV: 'development', PARLEY_DATA_DIR: dataDir, JWT_SECRET: STRONG_SECRET });
        expect(config.jwtSecret).toBe(STRONG_SECRET);
        expect(config.jwtSecretSource).toBe('env');
      });
    });
  });

  describe('CORS_ORIGINS', () => {
    it.each([
      ['unset', undefined],
      ['*', '*'],
      ['a list containing *', 'https://a.example, *'],
      ['only separators', ' , ,'],
    ])('reflects any origin when %s', (_label, value) => {
      expect(testConfig({ CORS_ORIGINS: value }).corsOrigins).toBe(true);
    });

    it('parses a comma-separated list, trimming and dropping empty items', () => {
      expect(testConfig({ CORS_ORIGINS: ' https://a.example ,https://b.example,, ' }).corsOrigins).toEqual([
        'https://a.example',
        'https://b.example',
      ]);
    });
  });

  it('refuses ADMIN_USERNAMES (admin rights are granted to existing accounts by `npm run admin`)', () => {
    expect(() => testConfig({ ADMIN_USERNAMES: 'alice' })).toThrow(/ADMIN_USERNAMES is no longer supported.*npm run admin -- grant/);
    expect(() => testConfig({ ADMIN_USERNAMES: '' })).not.toThrow();
  });

  describe('LOG_LEVEL', () => {
    it.each([
      ['error', ['error']],
      ['warn', ['error', 'warn']],
      ['log', ['error', 'warn', 'log']],
      ['debug', ['error', 'warn', 'log', 'debug']],
      ['verbose', ['error', 'warn', 'log', 'debug', 'verbose']],
    ])('LOG_LEVEL=%s enables that level and every more severe one', (level, expected) => {
      expect(testConfig({ LOG_LEVEL: level }).logLevels).toEqual(expected);
    });
  });

  describe('attachments', () => {
    it('defaults to the postgres store, 25 MiB files, a 1 GiB quota, an hour for unsent uploads and 10-minute URLs', () => {
      const config = testConfig();
      expect(config).toMatchObject({
        attachmentStorage: 'postgres',
        attachmentDir: join(resolve('.parley'), 'attachments'),
        attachmentMaxBytes: 25 * 1024 * 1024,
        attachmentQuotaBytes: 1024 ** 3,
        attachmentMaxPixels: 50_000_000,
        attachmentUnsentTtlMs: 3_600_000,
        attachmentRetentionMs: 0,
        attachmentSweepIntervalMs: 60_000,
        attachmentUrlTtlSeconds: 600,
      });
      expect(config.attachmentS3).toEqual({ bucket: '', endpoint: undefined, region: 'us-east-1', forcePathStyle: false });
    });

    it('reads an S3-compatible store: path-style URLs by default with an endpoint', () => {
      const config = testConfig({ ATTACHMENT_STORAGE: 's3', ATTACHMENT_S3_BUCKET: 'files', ATTACHMENT_S3_ENDPOINT: 'http://127.0.0.1:9000', ATTACHMENT_S3_REGION: 'eu-west-3' });
      expect(config.attachmentS3).toEqual({ bucket: 'files', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-3', forcePathStyle: true });
      expect(testConfig({ ATTACHMENT_S3_ENDPOINT: 'https://s3.example.com', ATTACHMENT_S3_FORCE_PATH_STYLE: 'off' }).attachmentS3.forcePathStyle).toBe(false);
    });

    it('refuses s3 without a bucket, an unknown store and limits out of range, naming each', () => {
      const error = configError(() =>
        testConfig({ ATTACHMENT_STORAGE: 's3', ATTACHMENT_S3_ENDPOINT: 'ftp://x', ATTACHMENT_MAX_BYTES: '0', ATTACHMENT_UNSENT_TTL_MS: '10' }),
      );
      expect(error.problems).toEqual([
        'ATTACHMENT_S3_ENDPOINT must be a http: or https:// URL',
        'ATTACHMENT_S3_BUCKET is required when ATTACHMENT_STORAGE=s3',
        expect.stringMatching(/^ATTACHMENT_MAX_BYTES must be an integer/),
        expect.stringMatching(/^ATTACHMENT_UNSENT_TTL_MS must be an integer/),
      ]);
      expect(configError(() => testConfig({ ATTACHMENT_STORAGE: 'ftp' })).problems).toEqual(['ATTACHMENT_STORAGE must be one of postgres, filesystem, s3 (got "ftp")']);
    });
  });
});
