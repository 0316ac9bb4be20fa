/**
 * How a simulated client talks to its server once provisioned: through the SDK (`sdk`, the default: the
 * RoomFeed's exactly-once, in-order delivery, gap fills and reconnect catch-up included) or over the bare
 * wire events of the contract (`socket`: one socket.io-client socket, `room:join`, `message:send` with its
 * ack and `message:new`, no client-side ordering). The `socket` driver costs the generator less per message
 * and is what `npm run bench` uses for every system it compares, so the client side is identical for all.
 */
import { ParleyError, type ParleyClient } from '@parley/client';
import type { Ack, ClientToServerEvents, Message, RoomJoinResult, ServerToClientEvents } from '@parley/contract';
import { io, type Socket } from 'socket.io-client';
import { withTimeout } from './pool';

export type Driver = 'sdk' | 'socket';
export const DRIVERS: readonly Driver[] = ['sdk', 'socket'];

/** A connected, joined client. */
export interface SimLink {
  send(content: string): Promise<unknown>;
  disconnect(): void;
}

export interface LinkTarget {
  username: string;
  target: string;
  client: ParleyClient;
  userId: string;
  roomId: string;
}

export interface LinkHooks {
  /** A message of the room written by someone else (own messages are not reported). */
  onMessage(content: string): void;
  onReconnecting(): void;
  onError(code: string): void;
}

const ACK_TIMEOUT_MS = 10_000;
/** How often the wire driver looks for a refreshed token to hand its socket (ACCESS_TOKEN_TTL is at least 10 s). */
const TOKEN_CHECK_MS = 1_000;

function whenConnected(client: ParleyClient): Promise<void> {
  return new Promise((done) => {
    if (client.status === 'connected') return done();
    const off = client.on('status', (status) => {
      if (status === 'connected') {
        off();
        done();
      }
    });
  });
}

let clientMsgCounter = 0;
function nextClientMsgId(): string {
  clientMsgCounter = (clientMsgCounter + 1) % 1_000_000_000;
  return `lt-${process.pid.toString(36)}-${clientMsgCounter.toString(36)}`;
}

async function sdkLink(sim: LinkTarget, hooks: LinkHooks, timeoutMs: number): Promise<SimLink> {
  sim.client.on('status', (status) => {
    if (status === 'reconnecting') hooks.onReconnecting();
  });
  sim.client.on('error', (error) => hooks.onError(`client_${error.code}`));
  sim.client.connect();
  await withTimeout(whenConnected(sim.client), timeoutMs, `${sim.username} could not connect to ${sim.target} within ${timeoutMs / 1000} s`);
  const handle = sim.client.room(sim.roomId);
  handle.on('message', (message) => {
    if (message.author.id !== sim.userId) hooks.onMessage(message.content);
  });
  await withTimeout(handle.join(), timeoutMs, `${sim.username} got no answer to room:join`);
  return { send: (content) => handle.send(content), disconnect: () => sim.client.disconnect() };
}

type WireSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** An ack as the SDK would report it: the data, or a ParleyError with the contract's code. */
export function unwrap<T>(ack: Ack<T>): T {
  if (ack.ok) return ack.data;
  throw new ParleyError(ack.error.code, ack.error.message, 0, ack.error.details);
}

function wireError(error: unknown): ParleyError {
  if (error instanceof ParleyError) return error;
  // socket.io-client's emitWithAck rejects with "operation has timed out" after the timeout.
  return new ParleyError('network', error instanceof Error ? error.message : String(error));
}

async function socketLink(sim: LinkTarget, hooks: LinkHooks, timeoutMs: number): Promise<SimLink> {
  let token = await sim.client.accessToken();
  if (!token) throw new Error(`${sim.username} has no session`);
  // Each (re)connection carries the newest token (the SDK's REST client refreshes it ahead of expiry).
  const socket: WireSocket = io(sim.target, {
    transports: ['websocket'],
    auth: (callback) => void sim.client.accessToken().then((fresh) => callback({ token: fresh ?? token }), () => callback({ token })),
    reconnectionDelay: 500,
  });
  // The server ends a socket when its token expires: hand it each refreshed token in band (auth:refresh).
  const refresher = setInterval(() => {
    void sim.client.accessToken().then((fresh) => {
      if (!fresh || fresh === token || !socket.connected) return;
      token = fresh;
      socket.emit('auth:refresh', { accessToken: fresh }, (ack) => {
        if (!ack.ok) hooks.onError('auth_refresh_failed');
      });
    }, () => undefined);
  }, TOKEN_CHECK_MS);
  refresher.unref();
  const roomId = sim.roomId;
  socket.on('message:new', (message: Message) => {
    if (message.roomId === roomId && message.author.id !== sim.userId) hooks.onMessage(message.content);
  });
  let joined = false;
  const join = async (): Promise<void> => {
    unwrap((await socket.timeout(timeoutMs).emitWithAck('room:join', { roomId })) as Ack<RoomJoinResult>);
    joined = true;
  };
  socket.on('disconnect', (reason) => {
    if (joined) hooks.onReconnecting();
    // auth:expired / auth:revoked: socket.io-client does not reconnect by itself after a server disconnect.
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 500).unref();
  });
  // After a reconnect the room is joined again (no catch-up: this driver measures live delivery only).
  socket.io.on('reconnect', () => void join().catch(() => hooks.onError('rejoin_failed')));
  await withTimeout(
    new Promise<void>((done, fail) => {
      socket.once('connect', () => done());
      socket.once('connect_error', (error) => {
        if (!socket.active) fail(new Error(`${sim.username}: ${error.message}`));
      });
    }),
    timeoutMs,
    `${sim.username} could not connect to ${sim.target} within ${timeoutMs / 1000} s`,
  );
  await withTimeout(join(), timeoutMs, `${sim.username} got no answer to room:join`);
  return {
    send: async (content) => {
      try {
        return unwrap((await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', { roomId, content, clientMsgId: nextClientMsgId() })) as Ack<Message>);
      } catch (error) {
        throw wireError(error);
      }
    },
    disconnect: () => {
      clearInterval(refresher);
      socket.disconnect();
    },
  };
}

/** Connects and joins the simulated client's room with the chosen driver. */
export function openLink(driver: Driver, sim: LinkTarget, hooks: LinkHooks, timeoutMs: number): Promise<SimLink> {
  return driver === 'sdk' ? sdkLink(sim, hooks, timeoutMs) : socketLink(sim, hooks, timeoutMs);
}
