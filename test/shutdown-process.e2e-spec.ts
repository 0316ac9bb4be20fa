import type { Ack, AuthResult, Message, RoomJoinResult } from '@parley/contract';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginx, writeNginxPrefix } from '../apps/cluster/src/nginx';
import { requireBinary } from '../tools/binaries';
import { freePort } from '../tools/ports';
import { RedisServer } from '../tools/redis-server';
import { ackOrDisconnect, Api, emitOk, eventually, openSocket, uniqueName, type TestSocket } from './support/client';
import { expectAckedStoredGapless } from './support/database';
import { clusterProcessEnv, spawnServer, type ServerProcess } from './support/process';
import { createTestDatabase } from './support/server';
import { SseClient } from './support/sse';

/**
 * Two server processes behind the shipped nginx config; the one serving a client gets SIGTERM (the real signal
 * path) while that client's sends are in flight.
 */
describe('SIGTERM with traffic in flight, behind nginx', () => {
  let redis: RedisServer;
  let databaseUrl: string;
  let instances: Array<{ id: string; process: ServerProcess }>;
  let nginx: ChildProcess | undefined;
  let prefix: string;
  let lb: string;
  const sockets: TestSocket[] = [];
  const streams: SseClient[] = [];

  beforeAll(async () => {
    requireBinary('nginx', 'The shutdown-behind-nginx spec (test/shutdown-process.e2e-spec.ts)');
    redis = await RedisServer.start();
    databaseUrl = await createTestDatabase();
    const ports = await Promise.all([freePort(), freePort()]);
    const env = (i: number): Record<string, string> =>
      clusterProcessEnv({ port: ports[i]!, instanceId: `stop-${i}`, databaseUrl, redisUrl: redis.url }, { SOCKET_EVENT_LIMIT: '100000' });
    const processes = await Promise.all([0, 1].map((i) => spawnServer(env(i), undefined, 40_000)));
    instances = processes.map((process, i) => ({ id: `stop-${i}`, process }));
    prefix = mkdtempSync(join(tmpdir(), 'parley-stop-'));
    const lbPort = await freePort();
    writeNginxPrefix(prefix, ports.map((port) => `127.0.0.1:${port}`), lbPort);
    nginx = startNginx(prefix);
    lb = `http://127.0.0.1:${lbPort}`;
    await eventually(async () => (await fetch(`${lb}/api/health`).catch(() => undefined))?.status === 200, 10_000, 'nginx');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(streams.map((stream) => stream.close()));
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    for (const instance of instances ?? []) {
      if (instance.process.child.exitCode === null) {
        instance.process.child.kill('SIGKILL');
        await instance.process.exited;
      }
    }
    await redis?.stop();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  /** The instance nginx sends this machine's requests to (sticky on the client address). */
  const servingInstance = async (): Promise<{ id: string; process: ServerProcess }> => {
    const metrics = await (await fetch(`${lb}/metrics`)).text();
    const id = /instance="(stop-\d)"/.exec(metrics)?.[1];
    const instance = instances.find((candidate) => candidate.id === id);
    if (!instance) throw new Error(`no instance label in /metrics through nginx: ${metrics.slice(0, 200)}`);
    return instance;
  };

  it('commits and acks what it accepted, refuses the rest with unavailable, ends streams, and its clients go on on the other instance', async () => {
    const api = new Api(lb);
    const user: AuthResult = await api.register(uniqueName('stop'));
    const room = await api.createRoom(user.accessToken, uniqueName('Stopping'));
    const socket = await openSocket(lb, user, { transports: ['websocket'], reconnection: true, into: sockets });
    await emitOk(socket, 'room:join', { roomId: room.id });
    const stream = await SseClient.connect(`${lb}/api/notifications/stream?token=${user.accessToken}`);
    streams.push(stream);
    expect(stream.status).toBe(200);
    const serving = await servingInstance();
    const survivor = instances.find((instance) => instance !== serving)!;

    let streamEnded = false;
    void stream.finished.then(() => (streamEnded = true));
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const sends: Array<Promise<Ack<Message> | 'no ack'>> = [];
    for (let i = 0; i < 60; i++) {
      sends.push(
        ackOrDisconnect<Message>(socket, 'message:send', { roomId: room.id, content: `m${i}`, clientMsgId: `stop-${i}` }),
      );
    }
    await sends[0];
    serving.process.child.kill('SIGTERM');
    const outcomes = await Promise.all(sends);
    // Within the shutdown deadline (10 s), not by it: "Shutdown timed out" would exit 1.
    expect(await serving.process.exited).toBe(0);
    // "transport close", not "io server disconnect": socket.io-client reconnects by itself.
    expect(await disconnected).toBe('transport close');
    await eventually(() => streamEnded, 5000, 'the server to end the notification stream');

    const acked = outcomes.flatMap((outcome) => (outcome !== 'no ack' && outcome.ok ? [outcome.data] : []));
    expect(acked.length).toBeGreaterThan(0);
    for (const outcome of outcomes) if (outcome !== 'no ack' && !outcome.ok) expect(outcome.error.code).toBe('unavailable');
    await expectAckedStoredGapless(databaseUrl, room.id, acked);

    // The same client reconnects through nginx, now to the survivor, catches up and sends again.
    await eventually(() => socket.connected, 15_000, 'the socket to reconnect through nginx');
    expect((await servingInstance()).id).toBe(survivor.id);
    const caughtUp = await emitOk<RoomJoinResult>(socket, 'room:join', { roomId: room.id, sinceSeq: 0 });
    for (const message of acked) expect(caughtUp.messages.map((entry) => entry.id)).toContain(message.id);
    // A retry of every send (same clientMsgId) stores nothing twice: the acked ones come back as they were.
    const retried = await Promise.all(
      Array.from({ length: 60 }, (_, i) => emitOk<Message>(socket, 'message:send', { roomId: room.id, content: `m${i}`, clientMsgId: `stop-${i}` })),
    );
    for (const message of acked) expect(retried.find((entry) => entry.clientMsgId === message.clientMsgId)).toEqual(message);
    const after = await emitOk<RoomJoinResult>(socket, 'room:join', { roomId: room.id, sinceSeq: 0 });
    expect(after.messages.map((message) => message.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });
});
