import type {
  Attachment,
  AuditAction,
  AuditPage,
  AuthResult,
  Conversation,
  ConversationPage,
  BlockedUser,
  ChosenStatus,
  Contact,
  DurableNotification,
  ErrorBody,
  Member,
  Message,
  MessageChanges,
  MessagePage,
  MessageVersion,
  Pin,
  ReactionResult,
  MessagePageAround,
  Report,
  ReportStatus,
  Room,
  RoomRole,
  Sanction,
  SanctionKind,
  UnreadTotals,
  SearchPage,
  User,
  UserStatus,
} from '@parley/contract';
import { ParleyError } from './errors';

/** How long a mute or ban lasts: `durationSeconds` from now by the database clock; leave it out for good. */
export interface SanctionInput {
  durationSeconds?: number;
  reason?: string;
}

/** A message search (contract §9): `q` in web-search syntax; the filters narrow it; `cursor` pages on. */
export interface MessageSearch {
  q: string;
  roomId?: string;
  authorId?: string;
  /** ISO 8601 times. */
  before?: string;
  after?: string;
  limit?: number;
  /** The previous page's nextCursor, with the same q and filters. */
  cursor?: string;
}

/** Filters of a room's audit log (newest first; pass the previous page's `nextBefore` as `before`). */
export interface AuditQuery {
  action?: AuditAction;
  actorId?: string;
  targetUserId?: string;
  before?: number;
  limit?: number;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpAuth {
  /** A valid access token (refreshed when about to expire), or null when signed out. */
  accessToken(): Promise<string | null>;
  /** Called once on a 401 with a token: refresh and retry, or give up (null). */
  recover(): Promise<string | null>;
}

/** JSON over fetch with the contract's error body turned into ParleyError. */
export class Http {
  constructor(
    private readonly baseUrl: string,
    private readonly auth: HttpAuth,
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
  ) {}

  async request<T>(method: string, path: string, body?: unknown, options: { anonymous?: boolean } = {}): Promise<T> {
    let token = options.anonymous ? null : await this.auth.accessToken();
    for (let attempt = 0; ; attempt++) {
      const response = await this.send(method, path, body, token);
      if (response.status === 401 && token && attempt === 0 && !(await isWrongPassword(response))) {
        token = await this.auth.recover();
        if (token) continue;
      }
      return this.parse<T>(response);
    }
  }

  get url(): string {
    return this.baseUrl;
  }

  private async send(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ParleyError('network', `Cannot reach the server: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async parse<T>(response: Response): Promise<T> {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.ok) return json as T;
    const error = (json ?? {}) as Partial<ErrorBody>;
    throw new ParleyError(error.code ?? 'internal', error.message ?? response.statusText, response.status, error.details);
  }
}

/** A 401 about the password asked again (password change, deletion) is no reason to refresh the token. */
async function isWrongPassword(response: Response): Promise<boolean> {
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as Partial<ErrorBody> | undefined;
  return body?.code === 'invalid_credentials';
}

const q = (params: Record<string, string | number | boolean | undefined>): string => {
  const entries = Object.entries(params).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries.map(([key, value]) => [key, String(value)])).toString()}` : '';
};
const id = (value: string): string => encodeURIComponent(value);

/** Typed wrappers of every REST endpoint of the contract. */
export class RestApi {
  constructor(private readonly http: Http) {}

  readonly auth = {
    register: (username: string, password: string, displayName?: string): Promise<AuthResult> =>
      this.http.request('POST', '/api/auth/register', { username, password, ...(displayName ? { displayName } : {}) }, { anonymous: true }),
    login: (username: string, password: string): Promise<AuthResult> => this.http.request('POST', '/api/auth/login', { username, password }, { anonymous: true }),
    refresh: (refreshToken: string): Promise<AuthResult> => this.http.request('POST', '/api/auth/refresh', { refreshToken }, { anonymous: true }),
    logout: (refreshToken: string): Promise<void> => this.http.request('POST', '/api/auth/logout', { refreshToken }, { anonymous: true }),
    changePassword: (currentPassword: string, newPassword: string): Promise<void> =>
      this.http.request('POST', '/api/auth/password', { currentPassword, newPassword }),
  };

  readonly users = {
    me: (): Promise<User> => this.http.request('GET', '/api/users/me'),
    deleteMe: (password: string): Promise<void> => this.http.request('DELETE', '/api/users/me', { password }),
    search: (search: string, limit?: number): Promise<User[]> => this.http.request('GET', `/api/users${q({ search, limit })}`),
  };

  readonly rooms = {
    list: (options: { joined?: boolean } = {}): Promise<Room[]> => this.http.request('GET', `/api/rooms${q({ joined: options.joined ? true : undefined })}`),
    get: (roomId: string): Promise<Room> => this.http.request('GET', `/api/rooms/${id(roomId)}`),
    create: (input: { name: string; description?: string; visibility?: 'public' | 'private' }): Promise<Room> => this.http.request('POST', '/api/rooms', input),
    update: (roomId: string, changes: { name?: string; description?: string }): Promise<Room> => this.http.request('PATCH', `/api/rooms/${id(roomId)}`, changes),
    remove: (roomId: string): Promise<void> => this.http.request('DELETE', `/api/rooms/${id(roomId)}`),
    join: (roomId: string): Promise<Room> => this.http.request('POST', `/api/rooms/${id(roomId)}/join`),
    leave: (roomId: string): Promise<void> => this.http.request('POST', `/api/rooms/${id(roomId)}/leave`),
    members: (roomId: string): Promise<Member[]> => this.http.request('GET', `/api/rooms/${id(roomId)}/members`),
    addMember: (roomId: string, userId: string): Promise<Member> => this.http.request('POST', `/api/rooms/${id(roomId)}/members`, { userId }),
    kick: (roomId: string, userId: string): Promise<void> => this.http.request('DELETE', `/api/rooms/${id(roomId)}/members/${id(userId)}`),
    /** A role below the caller's, for a member below the caller (the owner names admins, admins name moderators). */
    setRole: (roomId: string, userId: string, role: Exclude<RoomRole, 'owner'>): Promise<Member> =>
      this.http.request('PATCH', `/api/rooms/${id(roomId)}/members/${id(userId)}`, { role }),
    mute: (roomId: string, userId: string, input: SanctionInput = {}): Promise<Sanction> =>
      this.http.request('POST', `/api/rooms/${id(roomId)}/members/${id(userId)}/mute`, input),
    unmute: (roomId: string, userId: string): Promise<void> => this.http.request('DELETE', `/api/rooms/${id(roomId)}/members/${id(userId)}/mute`),
    /** Also for a user who is not a member (yet): they cannot join until it ends. */
    ban: (roomId: string, userId: string, input: SanctionInput = {}): Promise<Sanction> =>
      this.http.request('POST', `/api/rooms/${id(roomId)}/bans`, { userId, ...input }),
    unban: (roomId: string, userId: string): Promise<void> => this.http.request('DELETE', `/api/rooms/${id(roomId)}/bans/${id(userId)}`),
    /** Mutes and bans in force (owner, admin, moderator). */
    sanctions: (roomId: string, kind?: SanctionKind): Promise<Sanction[]> => this.http.request('GET', `/api/rooms/${id(roomId)}/sanctions${q({ kind })}`),
    /** The room's moderation log (owner, admin). */
    audit: (roomId: string, query: AuditQuery = {}): Promise<AuditPage> => this.http.request('GET', `/api/rooms/${id(roomId)}/audit${q({ ...query })}`),
    markRead: (roomId: string, seq: number): Promise<void> => this.http.request('POST', `/api/rooms/${id(roomId)}/read`, { seq }),
    /** Newest pin first; pinning and unpinning are for the owner and admins. */
    pins: (roomId: string): Promise<Pin[]> => this.http.request('GET', `/api/rooms/${id(roomId)}/pins`),
    pin: (roomId: string, messageId: string): Promise<Pin> => this.http.request('POST', `/api/rooms/${id(roomId)}/pins`, { messageId }),
    unpin: (roomId: string, messageId: string): Promise<void> => this.http.request('DELETE', `/api/rooms/${id(roomId)}/pins/${id(messageId)}`),
    openDirect: (userId: string): Promise<Room> => this.http.request('POST', '/api/dms', { userId }),
    /** The group DM of the caller and 2–8 other people (the same room for the same set). */
    openGroupDm: (userIds: string[]): Promise<Room> => this.http.request('POST', '/api/group-dms', { userIds }),
    /** The group DM of this one's members plus `userIds` (a new conversation; this one stays as it is). */
    addToGroupDm: (roomId: string, userIds: string[]): Promise<Room> => this.http.request('POST', `/api/group-dms/${id(roomId)}/add`, { userIds }),
  };

  /** The caller's conversation list (contract §3a); `client.conversations` keeps it live. */
  readonly conversations = {
    list: (options: { limit?: number; cursor?: string; archived?: boolean } = {}): Promise<ConversationPage> =>
      this.http.request('GET', `/api/conversations${q({ limit: options.limit, cursor: options.cursor, archived: options.archived ? true : undefined })}`),
    get: (roomId: string): Promise<Conversation> => this.http.request('GET', `/api/conversations/${id(roomId)}`),
    update: (roomId: string, changes: { notificationsMuted?: boolean; archived?: boolean }): Promise<Conversation> =>
      this.http.request('PATCH', `/api/conversations/${id(roomId)}`, changes),
    /** The message `seq` and every later one become unread (the read marker moves back, never forward). */
    markUnread: (roomId: string, seq: number): Promise<void> => this.http.request('POST', `/api/rooms/${id(roomId)}/unread`, { seq }),
    unreadTotals: (): Promise<UnreadTotals> => this.http.request('GET', '/api/me/unread'),
  };

  readonly attachments = {
    /** Signed URLs for the caller, for the ids it may download now (the others are left out), in the order asked. */
    urls: async (ids: string[]): Promise<Attachment[]> =>
      (await this.http.request<{ attachments: Attachment[] }>('POST', '/api/attachments/urls', { ids })).attachments,
  };

  readonly messages = {
    page: (roomId: string, options: { before?: number; after?: number; limit?: number } = {}): Promise<MessagePage> =>
      this.http.request('GET', `/api/rooms/${id(roomId)}/messages${q(options)}`),
    /** The page centred on `seq` (a search hit), with more-flags both ways; page on with page({ before/after }). */
    around: (roomId: string, seq: number, limit?: number): Promise<MessagePageAround> =>
      this.http.request('GET', `/api/rooms/${id(roomId)}/messages${q({ around: seq, limit })}`),
    /**
     * A clientMsgId (idempotency key), or options: the key, `replyTo` (a message of the room to reply to) and
     * `attachments` (ids of one's uploads to the room, §11).
     */
    send: (roomId: string, content: string, options?: string | { clientMsgId?: string; replyTo?: string; attachments?: string[] }): Promise<Message> => {
      const { clientMsgId, replyTo, attachments } = typeof options === 'string' ? { clientMsgId: options, replyTo: undefined, attachments: undefined } : (options ?? {});
      return this.http.request('POST', `/api/rooms/${id(roomId)}/messages`, {
        content,
        ...(clientMsgId ? { clientMsgId } : {}),
        ...(replyTo ? { replyTo } : {}),
        ...(attachments?.length ? { attachments } : {}),
      });
    },
    /** A page of the thread `messageId` starts (flat: replies to it and to its replies), oldest first; paged like history. */
    replies: (roomId: string, messageId: string, options: { before?: number; after?: number; limit?: number } = {}): Promise<MessagePage> =>
      this.http.request('GET', `/api/rooms/${id(roomId)}/messages/${id(messageId)}/replies${q(options)}`),
    edit: (roomId: string, messageId: string, content: string): Promise<Message> =>
      this.http.request('PATCH', `/api/rooms/${id(roomId)}/messages/${id(messageId)}`, { content }),
    /** Messages changed (edited, deleted, reactions) after a change version, oldest change first. */
    changes: (roomId: string, sinceVersion: number, limit?: number): Promise<MessageChanges> =>
      this.http.request('GET', `/api/rooms/${id(roomId)}/messages/changes${q({ sinceVersion, limit })}`),
    /** `on` sets the caller's emoji either way; absent: toggles. */
    react: (roomId: string, messageId: string, emoji: string, on?: boolean): Promise<ReactionResult> =>
      this.http.request('POST', `/api/rooms/${id(roomId)}/messages/${id(messageId)}/reactions`, on === undefined ? { emoji } : { emoji, on }),
    /** The texts the message had before its edits, oldest first (members; empty once it is deleted). */
    edits: (roomId: string, messageId: string): Promise<MessageVersion[]> =>
      this.http.request('GET', `/api/rooms/${id(roomId)}/messages/${id(messageId)}/edits`),
    remove: (roomId: string, messageId: string): Promise<void> => this.http.request('DELETE', `/api/rooms/${id(roomId)}/messages/${id(messageId)}`),
    /** To the site admins; a repeat by the same user returns the first report. */
    report: (roomId: string, messageId: string, reason: string): Promise<Report> =>
      this.http.request('POST', `/api/rooms/${id(roomId)}/messages/${id(messageId)}/report`, { reason }),
  };

  readonly search = {
    /** Messages the caller can read now, best first, with plain-text snippets and highlight offsets. */
    messages: (search: MessageSearch): Promise<SearchPage> => this.http.request('GET', `/api/search/messages${q({ ...search })}`),
    /** Users by username or display name (case and accents ignored). */
    users: (text: string, limit?: number): Promise<User[]> => this.http.request('GET', `/api/search/users${q({ q: text, limit })}`),
    /** Public rooms by name and description. */
    rooms: (text: string, limit?: number): Promise<Room[]> => this.http.request('GET', `/api/search/rooms${q({ q: text, limit })}`),
  };

  /** Site admins only (`npm run admin -- grant USERNAME`); others get `forbidden`. */
  readonly admin = {
    reports: (query: { status?: ReportStatus; before?: number; limit?: number } = {}): Promise<Report[]> =>
      this.http.request('GET', `/api/admin/reports${q({ ...query })}`),
    resolveReport: (reportId: number, resolution: Exclude<ReportStatus, 'open'>, options: { deleteMessage?: boolean } = {}): Promise<Report> =>
      this.http.request('POST', `/api/admin/reports/${id(String(reportId))}/resolve`, { resolution, ...options }),
    audit: (query: AuditQuery & { roomId?: string } = {}): Promise<AuditPage> => this.http.request('GET', `/api/admin/audit${q({ ...query })}`),
    suspend: (userId: string): Promise<void> => this.http.request('POST', `/api/admin/users/${id(userId)}/suspend`),
    unsuspend: (userId: string): Promise<void> => this.http.request('POST', `/api/admin/users/${id(userId)}/unsuspend`),
  };

  /** Contacts (contract §10): one way, listed with their status. */
  readonly contacts = {
    list: (): Promise<Contact[]> => this.http.request('GET', '/api/contacts'),
    /** Idempotent; `not_found` for an unknown user, `conflict` for one you blocked. */
    add: (userId: string): Promise<Contact> => this.http.request('POST', '/api/contacts', { userId }),
    remove: (userId: string): Promise<void> => this.http.request('DELETE', `/api/contacts/${id(userId)}`),
  };

  /** Blocks (contract §10): invisible to the blocked user. */
  readonly blocks = {
    list: (): Promise<BlockedUser[]> => this.http.request('GET', '/api/users/me/blocks'),
    block: (userId: string): Promise<void> => this.http.request('POST', `/api/users/${id(userId)}/block`),
    unblock: (userId: string): Promise<void> => this.http.request('DELETE', `/api/users/${id(userId)}/block`),
  };

  /** Status and last seen (contract §10); live changes come over the socket (`ParleyClient.statuses`). */
  readonly statuses = {
    mine: (): Promise<UserStatus> => this.http.request('GET', '/api/users/me/status'),
    set: (choice: { status?: ChosenStatus; statusText?: string | null }): Promise<UserStatus> => this.http.request('PUT', '/api/users/me/status', choice),
    /** `not_found` for a user the caller may not see. */
    of: (userId: string): Promise<UserStatus> => this.http.request('GET', `/api/users/${id(userId)}/status`),
  };

  readonly notifications = {
    list: (options: { unread?: boolean; limit?: number; before?: number } = {}): Promise<DurableNotification[]> =>
      this.http.request('GET', `/api/notifications${q({ unread: options.unread ? true : undefined, limit: options.limit, before: options.before })}`),
    markRead: (upToId: number): Promise<void> => this.http.request('POST', '/api/notifications/read', { upToId }),
  };
}
