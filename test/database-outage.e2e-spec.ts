import type { AckError, AuthResult, Room } from '@parley/contract';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, emitAck, emitOk, eventually, openSocket, uniqueName, type TestSocket } from './support/client';
import { freePort } from '../tools/ports';
import { requireServerBuild } from './support/build';
import { spawnServer, startPostgresProcess, type PostgresProcess, type ServerProcess } from './support/process';
import { testEnv } from './support/server';

/**
 * PostgreSQL stopped with `-m immediate` (SIGQUIT: every connection reset) under load, then started again:
 * in-flight and new requests answer `unavailable` (so clients retry), never `internal`, and the outage is
 * logged once with a count when it ends, not as an ERROR with a stack per request.
 */
describe('PostgreSQL goes away under load and comes back', () => {
  let dataDir: string;
  let pgPort: number;
  let db: PostgresProcess | undefined;
  let server: ServerProcess | undefined;
  let socket: TestSocket | undefined;

  beforeAll(async () => {
    requireServerBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'parley-pg-outage-'));
    pgPort = await freePort();
    db = await startPostgresProcess(dataDir, pgPort);
  });
  afterAll(async () => {
    socket?.disconnect();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await db?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers unavailable during the outage, logs it once, and serves again after', async () => {
    const port = await freePort();
    server = await spawnServer(testEnv(db!.url, { PORT: String(port), LOG_LEVEL: 'log', SOCKET_EVENT_LIMIT: '100000' }));
    const api = new Api(`http://127.0.0.1:${port}`);
    const user: AuthResult = await api.register(uniqueName('pgo'));
    const room: Room = await api.createRoom(user.accessToken, uniqueName('Outage'));
    socket = await openSocket(api.baseUrl, user);
    await emitOk(socket, 'room:join', { roomId: room.id });
    const logBefore = server.output().length;

    const sendErrors: AckError[] = [];
    const restStatuses: number[] = [];
    let sent = 0;
    let loading = true;
    const sendLoop = (async () => {
      while (loading) {
        const ack = await emitAck(socket, 'message:send', { roomId: room.id, content: `m${sent++}` });
        if (!ack.ok) sendErrors.push(ack.error);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const restLoop = (async () => {
      while (loading) {
        restStatuses.push((await api.get(`/api/rooms/${room.id}/messages?limit=5`, user.accessToken)).status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // Awaited in the finally below; a loop that throws (an ack never came) fails the test there.
    sendLoop.catch(() => undefined);
    restLoop.catch(() => undefined);

    try {
      await eventually(() => sent > 20, 10_000, 'sends before the outage');
      await db!.stopImmediately();
      await eventually(() => sendErrors.length > 20 && restStatuses.filter((status) => status !== 200).length > 10, 20_000, 'failures during the outage');
      await new Promise((resolve) => setTimeout(resolve, 3000)); // a 4-second outage, as reported
      db = await startPostgresProcess(dataDir, pgPort);
      await eventually(async () => (await emitAck(socket!, 'message:send', { roomId: room.id, content: 'after' })).ok, 20_000, 'sends after recovery');
      await eventually(() => /PostgreSQL connection restored/.test(server!.output()), 10_000, 'the recovery line');
    } finally {
      loading = false;
      await Promise.all([sendLoop, restLoop]);
    }

    expect(new Set(sendErrors.map((error) => error.code))).toEqual(new Set(['unavailable']));
    expect(new Set(restStatuses.filter((status) => status !== 200))).toEqual(new Set([503]));
    const log = server.output().slice(logBefore);
    const errorLines = log.split('\n').filter((line) => /\bERROR\b/.test(line));
    expect(errorLines).toEqual([expect.stringMatching(/PostgreSQL connection lost/)]);
    expect(log).toMatch(/PostgreSQL connection restored after [\d.]+ s; \d+ requests? answered unavailable meanwhile/);
    expect(log).not.toMatch(/^\s+at /m);
  });
});
