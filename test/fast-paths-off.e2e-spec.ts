import type { RunningServer } from '../apps/server/src/server';
import type { Message } from '@parley/contract';
import { encodeOnce, preEncoded, transportFastPaths } from '@parley/common';
import { Api, collect, emitOk, eventually, openSocket, uniqueName, type TestSocket } from './support/client';
import { startTestCluster } from './support/server';

/**
 * TRANSPORT_FAST_PATHS=off: the same service without any splice or corked write (what the boot self-check
 * falls back to when a library changed). This file's module registry is its own, so the switch stays here.
 */
describe('two instances with the transport fast paths off', () => {
  let servers: RunningServer[];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    servers = await startTestCluster(2, { TRANSPORT_FAST_PATHS: 'off' });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('splices nothing, and still delivers each message across instances, acked as stored', async () => {
    expect(transportFastPaths.enabled).toBe(false);
    const probe = { a: 1 };
    expect(encodeOnce(probe)).toBe('{"a":1}');
    expect(preEncoded(probe)).toBeUndefined();

    const [apiA] = servers.map((server) => new Api(server.url)) as [Api];
    const [alice, bob] = await Promise.all([apiA.register(uniqueName('fa')), apiA.register(uniqueName('fb'))]);
    const room = await apiA.createRoom(alice.accessToken, uniqueName('Plain'));
    const a = await openSocket(servers[0]!.url, alice, { into: sockets });
    const b = await openSocket(servers[1]!.url, bob, { into: sockets });
    await emitOk(a, 'room:join', { roomId: room.id });
    await emitOk(b, 'room:join', { roomId: room.id });
    const atB = collect<Message>(b, 'message:new');
    const acks = [];
    for (const [socket, content] of [[a, 'from A'], [b, 'from B'], [a, 'again A']] as const) {
      acks.push(await emitOk<Message>(socket, 'message:send', { roomId: room.id, content, clientMsgId: content }));
    }
    await eventually(() => atB.length === 3, 5000, 'three deliveries on B');
    expect(atB).toEqual(acks);
    expect(acks.map((message) => message.seq)).toEqual([2, 3, 4]); // seq 1: bob's join (a system message)
  });
});
