import type { Ack, AuthResult, ClientToServerEvents, Message, Room, ServerToClientEvents } from '@parley/contract';
import { io, type Socket } from 'socket.io-client';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A thin REST client for one server. */
export class Api {
  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.raw !== undefined) {
      body = options.raw;
      headers['content-type'] = 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (static pages)
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  get<T = unknown>(path: string, token?: string): Promise<HttpResult<T>> {
    return this.request<T>('GET', path, { token });
  }

  post<T = unknown>(path: string, body: unknown, token?: string): Promise<HttpResult<T>> {
    return this.request<T>('POST', path, { body, token });
  }

  async register(username: string, password = 'password123'): Promise<AuthResult> {
    const result = await this.post<AuthResult>('/api/auth/register', { username, password });
    if (result.status !== 201) throw new Error(`register ${username}: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  }

  async createRoom(token: string, name: string, visibility: 'public' | 'private' = 'public'): Promise<Room> {
    const result = await this.post<Room>('/api/rooms', { name, visibility }, token);
    if (result.status !== 201) throw new Error(`create room: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  }
}

let counter = 0;
/** Unique, valid usernames per test run. */
export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`.slice(0, 32);
}

/** A Socket.IO client; it does not reconnect by itself unless asked (`reconnection`). */
export function connectSocket(baseUrl: string, token: string | undefined, options: { transports?: string[]; reconnection?: boolean } = {}): TestSocket {
  return io(baseUrl, {
    auth: token === undefined ? {} : { token },
    transports: options.transports ?? ['websocket'],
    reconnection: options.reconnection ?? false,
    reconnectionDelay: 100,
    forceNew: true,
  });
}

/** Connects and resolves once connected (rejects with the connect_error). */
export function connected(socket: TestSocket): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve(socket);
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/**
 * Opens an authenticated socket and resolves once it is connected. `into` (the spec's cleanup list) gets the
 * socket before the connection is up, so it is closed afterwards whatever happens; a refused connection
 * rejects with the connect_error and leaves nothing open.
 */
export async function openSocket(
  baseUrl: string,
  auth: string | { accessToken: string },
  options: { transports?: string[]; reconnection?: boolean; into?: TestSocket[] } = {},
): Promise<TestSocket> {
  const socket = connectSocket(baseUrl, typeof auth === 'string' ? auth : auth.accessToken, options);
  options.into?.push(socket);
  try {
    return await connected(socket);
  } catch (error) {
    socket.disconnect();
    throw error;
  }
}

/** What emitAck rejects with when the socket disconnects before the acknowledgement came (it never will). */
export class DisconnectedBeforeAck extends Error {
  constructor(
    readonly event: string,
    readonly reason: string,
  ) {
    super(`${event}: disconnected (${reason}) before its ack`);
  }
}

/**
 * Emits an event and resolves with its acknowledgement; rejects with DisconnectedBeforeAck as soon as the
 * socket disconnects first (socket.io-client drops a pending ack then), or after 10 s without an answer.
 */
export function emitAck<T = unknown>(socket: TestSocket, event: string, ...payload: unknown[]): Promise<Ack<T>> {
  return new Promise((resolve, reject) => {
    if (!socket.connected && !socket.active) return reject(new DisconnectedBeforeAck(event, 'not connected'));
    const onDisconnect = (reason: string): void => {
      clearTimeout(timer);
      reject(new DisconnectedBeforeAck(event, reason));
    };
    const timer = setTimeout(() => {
      socket.off('disconnect', onDisconnect);
      reject(new Error(`no ack for ${event}`));
    }, 10_000);
    timer.unref();
    socket.once('disconnect', onDisconnect);
    (socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit(event, ...payload, (response: Ack<T>) => {
      clearTimeout(timer);
      socket.off('disconnect', onDisconnect);
      resolve(response);
    });
  });
}

/** For sends that may meet a disconnect (shutdown, failover): the ack, or 'no ack' when the socket went away first. */
export function ackOrDisconnect<T = unknown>(socket: TestSocket, event: string, ...payload: unknown[]): Promise<Ack<T> | 'no ack'> {
  return emitAck<T>(socket, event, ...payload).catch((error: unknown) => {
    if (error instanceof DisconnectedBeforeAck) return 'no ack' as const;
    throw error;
  });
}

/** Emits and returns the data of a successful ack, failing the test otherwise. */
export async function emitOk<T = unknown>(socket: TestSocket, event: string, payload: unknown): Promise<T> {
  const response = await emitAck<T>(socket, event, payload);
  if (!response.ok) throw new Error(`${event} failed: ${JSON.stringify(response.error)}`);
  return response.data;
}

/** Resolves with the next `event` on the socket matching the predicate. */
export function nextEvent<T = unknown>(socket: TestSocket, event: string, predicate: (payload: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const target = socket as unknown as { on(e: string, l: (p: T) => void): void; off(e: string, l: (p: T) => void): void };
    const listener = (payload: T): void => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      target.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      target.off(event, listener);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    target.on(event, listener);
  });
}

/** As nextEvent, with the time it was received, taken inside the listener (not after the awaits that follow). */
export async function nextEventAt<T = unknown>(
  socket: TestSocket,
  event: string,
  predicate: (payload: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<{ payload: T; receivedAt: number }> {
  let receivedAt = 0;
  const payload = await nextEvent<T>(
    socket,
    event,
    (candidate) => {
      if (!predicate(candidate)) return false;
      receivedAt = Date.now();
      return true;
    },
    timeoutMs,
  );
  return { payload, receivedAt };
}

/** Collects every `event` payload the socket receives from now on. */
export function collect<T = unknown>(socket: TestSocket, event: string): T[] {
  const items: T[] = [];
  (socket as unknown as { on(e: string, l: (p: T) => void): void }).on(event, (payload: T) => items.push(payload));
  return items;
}

/** Waits until the condition holds (polling), or fails after the timeout. */
/** The seqs of the members' messages among `messages` (system lines left out), in the order received. */
export const sentSeqs = (messages: readonly Message[]): number[] => messages.filter((message) => message.type !== 'system').map((message) => message.seq);

export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An event that must reach the receiver on the same path as the one that must not, sent after it (of the same type). */
export interface Marker<M = unknown> {
  event: string;
  /** Picks the marker out of other `event`s (defaults to any). */
  match?: (payload: M) => boolean;
  /** Causes the marker (e.g. a message in another room the receiver joined, on the same instance). */
  send: () => Promise<unknown>;
}

/**
 * Asserts that no forbidden `event` reaches any of the sockets because of `action`, without a fixed wait:
 * after the action, `marker` is sent and awaited on every socket; whatever the action caused on that path
 * would have arrived before it, so the forbidden events are counted then (a slow leak still fails).
 */
export async function expectNothing<T = unknown>(
  sockets: TestSocket | TestSocket[],
  event: string,
  forbidden: (payload: T) => boolean,
  action: () => Promise<unknown>,
  marker: Marker<T>,
  timeoutMs = 5000,
): Promise<void> {
  const targets = Array.isArray(sockets) ? sockets : [sockets];
  const heard: T[] = [];
  const listener = (payload: T): void => {
    if (forbidden(payload)) heard.push(payload);
  };
  const on = (socket: TestSocket) => socket as unknown as { on(e: string, l: (p: T) => void): void; off(e: string, l: (p: T) => void): void };
  for (const socket of targets) on(socket).on(event, listener);
  try {
    await action();
    const arrived = targets.map((socket) => nextEvent<T>(socket, marker.event, marker.match, timeoutMs));
    await marker.send();
    await Promise.all(arrived);
  } finally {
    for (const socket of targets) on(socket).off(event, listener);
  }
  if (heard.length > 0) throw new Error(`unexpected ${event} before the ${marker.event} marker: ${JSON.stringify(heard[0])}`);
}

export type { Message, Room };
