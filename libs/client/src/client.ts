import type {
  Attachment,
  Ack,
  AnnouncementEvent,
  ChosenStatus,
  ClientToServerEvents,
  DurableNotification,
  NotificationEventMap,
  ServerToClientEvents,
  SessionEndReason,
  User,
  UserStatus,
} from '@parley/contract';
import { io, type Socket } from 'socket.io-client';
import { AttachmentUrls } from './attachment-urls';
import { uploadAttachment, type UploadOptions } from './attachments';
import { ConversationList } from './conversation-list';
import { Emitter } from './emitter';
import { ParleyError } from './errors';
import { Http, RestApi, type FetchLike } from './http';
import { RoomHandle, type RoomTransport } from './room-handle';
import { MemorySessionStore, refreshTime, sessionFrom, type Session, type SessionStore } from './session';
import { readEventStream, SseParser } from './sse';
import { StatusWatch } from './status-watch';

export type ConnectionStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

export interface ParleyClientOptions {
  /** Server origin, e.g. `http://localhost:3000`; `''` for the page's own origin in a browser. */
  baseUrl: string;
  store?: SessionStore;
  /** Socket.IO transports (default websocket first, polling as fallback). */
  transports?: Array<'websocket' | 'polling'>;
  /** How long a hole in a room's messages may stay before it is fetched over REST (default 400 ms). */
  gapWaitMs?: number;
  /** Acknowledgement timeout of socket events (default 10 s). */
  ackTimeoutMs?: number;
  fetch?: FetchLike;
}

/** The stream's own end events (`auth:expired`, `auth:revoked`) are handled by the SDK, not emitted. */
type NotificationName = Exclude<keyof NotificationEventMap, 'auth:expired' | 'auth:revoked'>;
export type Notification = { [K in NotificationName]: { event: K; data: NotificationEventMap[K]; id?: number } }[NotificationName];

export interface ClientEvents {
  status: ConnectionStatus;
  /** Signed in, refreshed or signed out (null). */
  session: Session | null;
  /** The server ended the session (`session` null follows): logout elsewhere, password change, suspension, deletion. */
  sessionEnded: { reason: SessionEndReason };
  announcement: AnnouncementEvent;
  notification: Notification;
  /** A user's status, text or last seen time changed (one's own, contacts, DM partners, `statuses.watch`ed users). */
  userStatus: UserStatus;
  /** A problem the application may want to show (e.g. the notification stream keeps failing). */
  error: ParleyError;
}

/**
 * The Parley SDK: typed REST calls, the Socket.IO connection with token refresh and reconnects, rooms with
 * gap-free in-order delivery (RoomHandle), and the notification stream with Last-Event-ID resume.
 */
export class ParleyClient extends Emitter<ClientEvents> {
  readonly rest: RestApi;
  /** The live conversation list: `watch()` once connected; kept current by `conversation:updated`. */
  readonly conversations: ConversationList;
  /** Statuses heard and users watched (kept across reconnects); changes are also emitted as `userStatus`. */
  readonly statuses: StatusWatch;
  private readonly store: SessionStore;
  private session: Session | null;
  private refreshing?: Promise<string | null>;
  private socket?: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly rooms = new Map<string, RoomHandle>();
  private currentStatus: ConnectionStatus = 'disconnected';
  private notificationAbort?: AbortController;
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private lastNotificationId?: number;

  constructor(private readonly options: ParleyClientOptions) {
    super();
    this.store = options.store ?? new MemorySessionStore();
    this.session = this.store.load();
    const http = new Http(options.baseUrl, { accessToken: () => this.accessToken(), recover: () => this.refresh() }, options.fetch);
    this.rest = new RestApi(http);
    this.conversations = new ConversationList({
      watch: (limit) => this.emitWithAck('conversations:watch', { limit }),
      isConnected: () => this.socket?.connected ?? false,
      rest: this.rest,
      username: () => this.user?.username ?? null,
    });
    this.statuses = new StatusWatch({
      isConnected: () => this.socket?.connected ?? false,
      watch: async (userIds) => (await this.emitWithAck('status:watch', { userIds })).statuses,
      unwatch: async (userIds) => void (await this.emitWithAck('status:unwatch', { userIds })),
    });
    this.statuses.on('change', (status) => this.emit('userStatus', status));
  }

  /** Signed URLs of the attachments messages carry, batched and cached (`attachmentUrls.get(id)`). */
  readonly attachmentUrls = new AttachmentUrls((ids) => this.rest.attachments.urls(ids));

  /** Uploads a file to a room (contract §11), with progress in browsers; send its `id` with a message. */
  uploadAttachment(roomId: string, file: Blob, options: UploadOptions = {}): Promise<Attachment> {
    return uploadAttachment({ baseUrl: this.options.baseUrl, accessToken: () => this.accessToken(), recover: () => this.refresh(), fetch: this.options.fetch }, roomId, file, options);
  }

  /** Sets one's own status and/or text: over the socket when connected, else over REST. */
  async setMyStatus(choice: { status?: ChosenStatus; statusText?: string | null }): Promise<UserStatus> {
    const status = this.socket?.connected ? await this.emitWithAck('status:set', choice) : await this.rest.statuses.set(choice);
    this.statuses.handle(status);
    return status;
  }

  get user(): User | null {
    return this.session?.user ?? null;
  }

  /** Search (contract §9): `client.search.messages({ q })`, `.users(text)`, `.rooms(text)`; the same as `client.rest.search`. */
  get search(): RestApi['search'] {
    return this.rest.search;
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  // ---- authentication -------------------------------------------------------------------------------

  async register(username: string, password: string, displayName?: string): Promise<User> {
    this.setSession(sessionFrom(await this.rest.auth.register(username, password, displayName)));
    return this.session?.user as User;
  }

  async login(username: string, password: string): Promise<User> {
    this.setSession(sessionFrom(await this.rest.auth.login(username, password)));
    return this.session?.user as User;
  }

  async logout(): Promise<void> {
    const refreshToken = this.session?.refreshToken;
    this.signOutLocally();
    if (refreshToken) await this.rest.auth.logout(refreshToken).catch(() => undefined);
  }

  /** Every other session of the account ends; this one stays. */
  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.rest.auth.changePassword(currentPassword, newPassword);
  }

  /** Deletes the account (messages stay, shown as a deleted user) and signs out. */
  async deleteAccount(password: string): Promise<void> {
    await this.rest.users.deleteMe(password);
    this.signOutLocally();
  }

  /** A valid access token, refreshed shortly before it expires; null when signed out. */
  async accessToken(): Promise<string | null> {
    const session = this.session;
    if (!session) return null;
    if (Date.now() < refreshTime(session)) return session.accessToken;
    return this.refresh();
  }

  /** Rotates the tokens (one refresh at a time); a refused refresh signs out. */
  refresh(): Promise<string | null> {
    this.refreshing ??= (async () => {
      const refreshToken = this.session?.refreshToken;
      if (!refreshToken) return null;
      // Another client sharing the store (a second tab) rotated the tokens already: presenting the used refresh
      // token would look like theft and end the session everywhere, so take theirs.
      const stored = this.store.load();
      if (stored && stored.refreshToken !== refreshToken && stored.user.id === this.session?.user.id && Date.now() < stored.accessTokenExpiresAt) {
        this.session = stored;
        this.emit('session', stored);
        void this.refreshSocket(stored.accessToken);
        this.armRefresh();
        return stored.accessToken;
      }
      try {
        const session = sessionFrom(await this.rest.auth.refresh(refreshToken));
        this.setSession(session);
        // The open socket would end when its token expires: hand it the new one (in band).
        void this.refreshSocket(session.accessToken);
        this.armRefresh();
        return session.accessToken;
      } catch (error) {
        if (error instanceof ParleyError && error.code === 'network') throw error;
        this.setSession(null);
        return null;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private setSession(session: Session | null): void {
    this.session = session;
    this.store.save(session);
    this.emit('session', session);
  }

  /** Handles belong to the session: a later sign-in (maybe as someone else) starts with none. */
  private signOutLocally(): void {
    this.disconnect();
    this.stopNotifications();
    for (const roomId of [...this.rooms.keys()]) this.closeRoom(roomId, 'removed');
    this.conversations.clear();
    this.statuses.clear();
    this.lastNotificationId = undefined;
    if (this.session) this.setSession(null);
  }

  /** The server revoked the session (`auth:revoked` on the socket or the notification stream). */
  private sessionRevoked(reason: SessionEndReason): void {
    if (!this.session) return;
    this.emit('sessionEnded', { reason });
    this.signOutLocally();
  }

  /** While connected, the token is refreshed ahead of expiry and handed to the socket, which then stays open. */
  private armRefresh(): void {
    clearTimeout(this.refreshTimer);
    const session = this.session;
    if (!session || !this.socket) return;
    // Jitter: clients sharing one stored session (tabs) do not all refresh at the same moment; the first rotates, the
    // others adopt its tokens from the store (see refresh()).
    const jitter = Math.random() * Math.min(5_000, (session.accessTokenExpiresAt - refreshTime(session)) / 2);
    this.refreshTimer = setTimeout(() => void this.refresh().catch(() => undefined), Math.max(0, refreshTime(session) - jitter - Date.now()));
  }

  private async refreshSocket(accessToken: string): Promise<void> {
    if (!this.socket?.connected) return;
    try {
      await this.emitWithAck('auth:refresh', { accessToken });
    } catch (error) {
      // The socket ends with auth:expired and reconnects with a fresh token: nothing is lost but a moment.
      this.report(error);
    }
  }

  // ---- realtime -------------------------------------------------------------------------------------

  /** Opens the socket (idempotent). Reconnects by itself; rooms are re-joined with catch-up. */
  connect(): void {
    if (this.socket) return;
    this.setStatus('connecting');
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.options.baseUrl, {
      transports: this.options.transports ?? ['websocket', 'polling'],
      // Called before every (re)connection attempt, so a reconnect always carries a fresh token.
      auth: (callback) => {
        this.accessToken().then(
          (token) => callback(token ? { token } : {}),
          () => callback({}),
        );
      },
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.setStatus('connected');
      this.armRefresh();
      for (const room of this.rooms.values()) room.resync().catch((error: unknown) => this.report(error));
      this.conversations.resume();
      this.statuses.resync().catch((error: unknown) => this.report(error));
    });
    socket.on('disconnect', (reason) => {
      this.setStatus('reconnecting');
      // Server-side disconnects are not retried by socket.io-client itself.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', (error) => {
      if (socket.active) return; // transport trouble: socket.io-client retries by itself
      this.setStatus('reconnecting');
      const retry = (): void => void setTimeout(() => this.socket === socket && socket.connect(), 1000 + Math.random() * 2000);
      if (error.message === 'unauthorized') {
        this.refresh().then((token) => (token ? retry() : this.disconnect()), retry);
      } else retry();
    });
    socket.on('message:new', (message) => this.rooms.get(message.roomId)?.handleLive(message));
    socket.on('message:updated', (message) => this.rooms.get(message.roomId)?.emit('updated', message));
    socket.on('message:deleted', (event) => this.rooms.get(event.roomId)?.emit('deleted', event));
    socket.on('message:reactions', (event) => this.rooms.get(event.roomId)?.emit('reactions', event));
    socket.on('message:replies', (event) => this.rooms.get(event.roomId)?.emit('replies', event));
    socket.on('message:pinned', (pin) => this.rooms.get(pin.message.roomId)?.emit('pinned', pin));
    socket.on('message:unpinned', (event) => this.rooms.get(event.roomId)?.emit('unpinned', event));
    socket.on('presence', (event) => this.rooms.get(event.roomId)?.emit('presence', event));
    socket.on('typing', (event) => this.rooms.get(event.roomId)?.emit('typing', event));
    socket.on('receipt', (event) => this.rooms.get(event.roomId)?.emit('receipt', event));
    socket.on('member:joined', (event) => this.rooms.get(event.roomId)?.emit('memberJoined', event));
    socket.on('member:muted', (event) => this.rooms.get(event.roomId)?.emit('memberMuted', event));
    socket.on('member:unmuted', (event) => this.rooms.get(event.roomId)?.emit('memberUnmuted', event));
    socket.on('member:updated', (event) => this.rooms.get(event.roomId)?.emit('memberUpdated', event));
    socket.on('member:left', (event) => {
      const room = this.rooms.get(event.roomId);
      room?.emit('memberLeft', event);
      if (room && event.user.id === this.user?.id) this.closeRoom(event.roomId, 'removed');
    });
    socket.on('room:updated', (room) => this.rooms.get(room.id)?.emit('roomUpdated', room));
    socket.on('room:deleted', (event) => this.closeRoom(event.roomId, 'deleted'));
    socket.on('announcement', (event) => this.emit('announcement', event));
    socket.on('conversation:updated', (event) => this.conversations.apply(event));
    socket.on('status', (status) => this.statuses.handle(status));
    // auth:expired needs nothing: the disconnect that follows reconnects with a refreshed token.
    socket.on('auth:revoked', (event) => this.sessionRevoked(event.reason));
  }

  disconnect(): void {
    clearTimeout(this.refreshTimer);
    this.socket?.disconnect();
    this.socket = undefined;
    this.setStatus('disconnected');
  }

  /** The handle of a room (created on first use); call `join()` on it to subscribe. */
  room(roomId: string): RoomHandle {
    let handle = this.rooms.get(roomId);
    if (!handle) {
      handle = new RoomHandle(roomId, this.transport(), this.options.gapWaitMs ?? 400);
      this.rooms.set(roomId, handle);
    }
    return handle;
  }

  /** Sends a client event and resolves with its ack data (ParleyError on `{ ok: false }` or timeout). */
  async emitWithAck<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Parameters<ClientToServerEvents[E]>[1] extends (response: Ack<infer T>) => void ? T : never> {
    const socket = this.socket;
    if (!socket?.connected) throw new ParleyError('network', 'Not connected');
    type Data = Parameters<ClientToServerEvents[E]>[1] extends (response: Ack<infer T>) => void ? T : never;
    let response: Ack<Data>;
    try {
      const emitter = socket.timeout(this.options.ackTimeoutMs ?? 10_000) as unknown as {
        emitWithAck(event: string, payload: unknown): Promise<Ack<Data>>;
      };
      response = await emitter.emitWithAck(event, payload);
    } catch {
      throw new ParleyError('network', `No answer to ${event}`);
    }
    if (!response.ok) throw new ParleyError(response.error.code, response.error.message, 0, response.error.details);
    return response.data;
  }

  private transport(): RoomTransport {
    return {
      emit: (event, payload) => this.emitWithAck(event, payload),
      rest: this.rest,
      isConnected: () => this.socket?.connected ?? false,
      whenConnected: () => this.whenConnected(),
    };
  }

  private whenConnected(): Promise<void> {
    if (this.socket?.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.on('status', (status) => {
        if (status === 'connected') {
          off();
          resolve();
        }
      });
    });
  }

  private closeRoom(roomId: string, reason: 'deleted' | 'removed'): void {
    this.rooms.get(roomId)?.close(reason);
    this.rooms.delete(roomId);
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status);
  }

  private report(error: unknown): void {
    this.emit('error', error instanceof ParleyError ? error : new ParleyError('internal', String(error)));
  }

  // ---- notifications (SSE) --------------------------------------------------------------------------

  /**
   * Listens to the notification stream (emits `notification`). Uses fetch with the Authorization header,
   * reconnects with back-off, resumes after the last durable id, and refreshes the token when needed.
   */
  startNotifications(): void {
    if (this.notificationAbort) return;
    const abort = new AbortController();
    this.notificationAbort = abort;
    void this.runNotifications(abort.signal);
  }

  stopNotifications(): void {
    this.notificationAbort?.abort();
    this.notificationAbort = undefined;
  }

  private async runNotifications(signal: AbortSignal): Promise<void> {
    const fetchImpl = this.options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
    for (let failures = 0; !signal.aborted; ) {
      try {
        const token = await this.accessToken();
        if (!token) return;
        const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${token}` };
        if (this.lastNotificationId !== undefined) headers['last-event-id'] = String(this.lastNotificationId);
        const response = await fetchImpl(`${this.options.baseUrl}/api/notifications/stream`, { headers, signal });
        if (response.status === 401) {
          if (!(await this.refresh())) return;
          continue;
        }
        if (!response.ok || !response.body) throw new ParleyError('unavailable', `Notification stream answered ${response.status}`, response.status);
        failures = 0;
        let expired = false;
        const parser = new SseParser((message) => {
          if (message.event === 'auth:expired') expired = true;
          if (message.event === 'auth:revoked') this.sessionRevoked((JSON.parse(message.data) as { reason: SessionEndReason }).reason);
          if (message.event.startsWith('auth:')) return;
          const id = message.id === undefined ? undefined : Number(message.id);
          if (id !== undefined) this.lastNotificationId = id;
          this.emit('notification', { event: message.event, data: JSON.parse(message.data) as unknown, id } as Notification);
        });
        await readEventStream(response.body, parser);
        // The stream lived as long as its token: reconnect at once with a fresh one (and Last-Event-ID).
        if (expired) continue;
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        if (failures === 3) {
          // fetch rejects with a TypeError when the network or server is away: that is `network`, not a bug.
          this.report(error instanceof ParleyError ? error : new ParleyError('network', `Notification stream interrupted: ${String(error)}`));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** Math.min(failures, 6))));
    }
  }
}

export type { DurableNotification };
