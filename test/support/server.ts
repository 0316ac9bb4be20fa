import { startServer, type RunningServer } from '../../apps/server/src/server';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from './database';

export { createTestDatabase };

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** Environment of a test instance: real database, generous limits unless a test narrows them. */
export function testEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'error',
    AUTH_RATE_LIMIT: '100000',
    HTTP_RATE_LIMIT: '100000',
    SEND_RATE_LIMIT: '100000',
    SHUTDOWN_TIMEOUT_MS: '3000',
    ...overrides,
  };
}

/** Boots a real Parley instance in this process (real HTTP port, real Socket.IO, real PostgreSQL). */
export async function startTestServer(overrides: Record<string, string> = {}, databaseUrl?: string): Promise<RunningServer> {
  return startServer(testEnv(databaseUrl ?? (await createTestDatabase()), overrides));
}

/** Several in-process instances on one database and one Redis (own key prefix): a cluster in one process. */
export async function startTestCluster(
  size: number,
  overrides: Record<string, string> = {},
  redisUrl = process.env.PARLEY_TEST_REDIS_URL,
): Promise<RunningServer[]> {
  if (!redisUrl) throw new Error('PARLEY_TEST_REDIS_URL is not set: run the tests through jest (global setup)');
  const databaseUrl = await createTestDatabase();
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const servers: RunningServer[] = [];
  for (let i = 0; i < size; i++) {
    servers.push(await startTestServer({ REDIS_URL: redisUrl, REDIS_PREFIX: prefix, INSTANCE_ID: `${prefix}-${i}`, ...overrides }, databaseUrl));
  }
  return servers;
}
