import type { AuthResult } from '@parley/contract';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, eventually, uniqueName } from './support/client';
import { freePort } from '../tools/ports';
import { isProcessAlive, postmasterPid, spawnServer } from './support/process';

/**
 * `npm start` with no configuration: the built server, an embedded PostgreSQL under a data folder,
 * clean shutdown on SIGTERM/SIGINT, data and development secret kept across restarts.
 */
describe('server process lifecycle with embedded defaults', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-life-'));
    env = {
      PARLEY_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      HOST: '127.0.0.1',
    };
  });
  afterAll(() => {
    const pid = postmasterPid(dataDir);
    if (pid && isProcessAlive(pid)) process.kill(pid, 'SIGINT');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts with no configuration, keeps data and secret across a restart, and stops cleanly', async () => {
    const first = await spawnServer(env);
    expect(first.output()).toMatch(/Swagger: +http:\/\/localhost:\d+\/docs/);
    const api = new Api(`http://127.0.0.1:${env.PORT}`);
    expect((await api.get<{ status: string }>('/api/health')).body.status).toBe('ok');
    const username = uniqueName('life');
    const session: AuthResult = await api.register(username);
    const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8');
    const pg = postmasterPid(dataDir);
    expect(pg && isProcessAlive(pg)).toBe(true);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(isProcessAlive(pg!)).toBe(false);

    const second = await spawnServer(env);
    try {
      expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8')).toBe(secret);
      // The access token issued before the restart is still valid, and the user still exists.
      expect((await api.get('/api/users/me', session.accessToken)).status).toBe(200);
      expect((await api.post('/api/auth/login', { username, password: 'password123' })).status).toBe(200);
    } finally {
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    }
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('takes SIGTERM sent to its whole process group and again to itself (as through npm start) as one graceful stop', async () => {
    const server = await spawnServer(env, undefined, undefined, { ownProcessGroup: true });
    const pg = postmasterPid(dataDir);
    const api = new Api(`http://127.0.0.1:${env.PORT}`);
    const session: AuthResult = await api.register(uniqueName('grp'));
    // The embedded PostgreSQL is in the group too: it gets the same SIGTERM (a smart shutdown).
    process.kill(-server.child.pid!, 'SIGTERM');
    // npm's copy arrives once the first is being handled (two pending SIGTERMs would merge into one).
    await eventually(() => /SIGTERM received: shutting down gracefully/.test(server.output()), 10_000, 'the first SIGTERM handled');
    process.kill(server.child.pid!, 'SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/exiting now|Shutdown timed out/);
    expect(isProcessAlive(pg!)).toBe(false);

    const next = await spawnServer(env);
    try {
      expect((await api.get('/api/users/me', session.accessToken)).status).toBe(200);
    } finally {
      next.child.kill('SIGTERM');
      expect(await next.exited).toBe(0);
    }
  });

  it('reclaims the PostgreSQL orphaned by a SIGKILLed server on the next start', async () => {
    const killed = await spawnServer(env);
    const orphan = postmasterPid(dataDir)!;
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(isProcessAlive(orphan)).toBe(true);

    const next = await spawnServer(env);
    try {
      expect(next.output()).toMatch(/orphaned embedded PostgreSQL/);
      expect(isProcessAlive(orphan)).toBe(false);
      expect((await new Api(`http://127.0.0.1:${env.PORT}`).get('/api/health')).status).toBe(200);
    } finally {
      next.child.kill('SIGTERM');
      await next.exited;
    }
  });

  // Each refusal is an exit with the message; the deadline only stops a hang, and is generous because a node
  // process loading the server can take many seconds on a loaded machine (20 s ran out there with no output yet).
  it('refuses to start in production without a real JWT secret, with a clear message', async () => {
    await expect(spawnServer({ ...env, NODE_ENV: 'production' }, /never/, 60_000)).rejects.toThrow(/JWT_SECRET is required when NODE_ENV=production/);
    await expect(spawnServer({ ...env, NODE_ENV: 'production', JWT_SECRET: 'changeme' }, /never/, 60_000)).rejects.toThrow(/JWT_SECRET must be at least 32 characters/);
    await expect(spawnServer({ ...env, PORT: 'eighty' }, /never/, 60_000)).rejects.toThrow(/PORT must be an integer/);
  }, 200_000);
});
