import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { Sessions, TokenService } from '@parley/auth';
import { SetStatusDto, StatusWatchDto, UserStatuses } from '@parley/contacts';
import { ApiError } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { ClientEventName, RoomJoinResult } from '@parley/contract';
import { MessagesService, sendOptionsOf } from '@parley/messages';
import { Metrics } from '@parley/metrics';
import { RoomsService } from '@parley/rooms';
import { UsersService } from '@parley/users';
import { AuthRefreshDto, ConversationsUnwatchDto, ConversationsWatchDto, MessageDeleteDto, MessageEditDto, MessageReadDto, MessageSendDto, ReactionToggleDto, RoomJoinDto, RoomLeaveDto, TypingDto } from './dto';
import { ConversationUpdates } from './conversation-updates';
import { RoomBroadcaster } from './room-broadcaster';
import { RoomDelivery } from './room-delivery';
import { dispatchEvents, eventRoutes, route, type EventRoute } from './socket-ack';
import { socketAuthMiddleware } from './socket-auth.middleware';
import { SocketRegistry } from './socket-registry';
import { SocketSessions } from './socket-sessions';
import { userChannel, type ParleyServer, type ParleySocket } from './socket-types';
import { Typing } from './typing';

/** Per-socket budget window for all events, against floods (message:send has its own per-user limit too). */
const EVENT_BUDGET_WINDOW_MS = 5_000;

/**
 * The Socket.IO entry point: handshake auth, one handler per client event (validated, acked with the
 * contract's shape), subscriptions and graceful shutdown.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChatGateway.name);
  private accepting = true;

  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: Sessions,
    private readonly socketSessions: SocketSessions,
    private readonly users: UsersService,
    private readonly rooms: RoomsService,
    private readonly messages: MessagesService,
    private readonly registry: SocketRegistry,
    private readonly delivery: RoomDelivery,
    private readonly typing: Typing,
    private readonly broadcaster: RoomBroadcaster,
    private readonly conversationUpdates: ConversationUpdates,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly statuses: UserStatuses,
  ) {}

  afterInit(server: ParleyServer): void {
    this.registry.attach(server);
    this.delivery.attach(server);
    this.typing.attach(server);
    this.broadcaster.attach(server);
    this.conversationUpdates.attach(server);
    this.statuses.attach(server, userChannel);
    server.use(socketAuthMiddleware(this.tokens, this.sessions, this.users, () => this.accepting));
  }

  async handleConnection(socket: ParleySocket): Promise<void> {
    // Only authenticated sockets get here (middleware); data.auth is set.
    this.registry.register(socket);
    this.socketSessions.start(socket);
    await socket.join(userChannel(socket.data.auth.id));
    this.bindHandlers(socket);
    await this.statuses.connected(socket, socket.data.auth.id);
  }

  async handleDisconnect(socket: ParleySocket): Promise<void> {
    if (!socket.data.auth) return;
    this.socketSessions.stop(socket);
    await Promise.all([this.registry.unregister(socket), this.statuses.disconnected(socket)]);
  }

  /** Graceful shutdown: refuse new sockets, let accepted sends commit and ack, then close transports. */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    await this.messages.drain(Math.max(0, this.config.shutdownTimeoutMs - 2000));
    const sockets = this.registry.allLocalSockets();
    await Promise.all(sockets.flatMap((socket) => [this.registry.unregister(socket), this.statuses.disconnected(socket)]));
    await Promise.all([this.registry.stopPresence(), this.statuses.stop()]);
    // Closing the transport (not `disconnect()`) makes clients reconnect by themselves, to another instance.
    for (const socket of sockets) socket.conn.close();
    this.logger.log(`Closed ${sockets.length} socket(s)`);
  }

  /** Every client event's DTO and handler, shared by all sockets (dispatchEvents). */
  private readonly routes = eventRoutes({
    'room:join': route(RoomJoinDto, async (socket, payload): Promise<RoomJoinResult> => {
      if (payload.sinceSeq !== undefined && payload.limit !== undefined) throw ApiError.validation('Give sinceSeq or limit, not both');
      if (payload.sinceVersion !== undefined && payload.sinceSeq === undefined) throw ApiError.validation('sinceVersion goes with sinceSeq');
      const viewerId = socket.data.auth.id;
      const room = await this.rooms.joinRoom(viewerId, payload.roomId);
      this.delivery.prime(room.id, room.lastSeq);
      await this.registry.subscribe(socket, payload.roomId);
      const page =
        payload.sinceSeq !== undefined
          ? await this.messages.catchUp(payload.roomId, payload.sinceSeq, viewerId)
          : payload.limit !== undefined
            ? await this.messages.latest(payload.roomId, room.lastSeq, payload.limit, viewerId)
            : { messages: [], hasMore: false };
      if (payload.sinceVersion === undefined) return { room, ...page, changeVersion: await this.messages.changeVersion(room.id) };
      const changes = await this.messages.changesUpTo(room.id, payload.sinceVersion, payload.sinceSeq!, viewerId);
      return { room, ...page, changeVersion: changes.changeVersion, changes: changes.messages, hasMoreChanges: changes.hasMore };
    }),
    'room:leave': route(RoomLeaveDto, async (socket, payload) => {
      await this.registry.unsubscribe(socket, payload.roomId);
      return {};
    }),
    'message:send': route(MessageSendDto, async (socket, payload) => {
      const ackTimer = this.metrics.sendDuration.startTimer({ stage: 'ack' });
      const message = await this.messages.send(socket.data.user, payload.roomId, payload.content, sendOptionsOf(payload));
      ackTimer(); // the ack is written right after this handler returns
      this.typing.stop(payload.roomId, message.author.id);
      return message;
    }),
    'message:edit': route(MessageEditDto, (socket, payload) => this.messages.edit(socket.data.auth.id, payload.messageId, payload.content)),
    'message:delete': route(MessageDeleteDto, async (socket, payload) => {
      await this.messages.delete(socket.data.auth.id, payload.messageId);
      return {};
    }),
    'message:read': route(MessageReadDto, async (socket, payload) => {
      await this.rooms.markRead(socket.data.auth.id, payload.roomId, payload.seq);
      return {};
    }),
    'reaction:toggle': route(ReactionToggleDto, (socket, payload) => this.messages.react(socket.data.user, payload.messageId, payload.emoji, payload.on)),
    'auth:refresh': route(AuthRefreshDto, (socket, payload) => this.socketSessions.refresh(socket, payload.accessToken)),
    'conversations:watch': route(ConversationsWatchDto, (socket, payload) => this.conversationUpdates.watch(socket, payload.limit)),
    'conversations:unwatch': route(ConversationsUnwatchDto, async (socket) => {
      await this.conversationUpdates.unwatch(socket);
      return {};
    }),
    'status:set': route(SetStatusDto, async (socket, payload) => {
      await this.statuses.settled(socket);
      return this.statuses.set(socket.data.auth.id, payload);
    }),
    'status:watch': route(StatusWatchDto, async (socket, payload) => ({
      statuses: await this.statuses.watch(socket, socket.data.auth.id, payload.userIds),
    })),
    'status:unwatch': route(StatusWatchDto, async (socket, payload) => {
      await this.statuses.unwatch(socket, socket.data.auth.id, payload.userIds);
      return {};
    }),
    typing: route(TypingDto, async (socket, payload) => {
      await this.rooms.requireAccess(socket.data.auth.id, payload.roomId, 'member');
      this.typing.set(payload.roomId, socket.data.user, payload.isTyping);
      return {};
    }),
  } satisfies Record<ClientEventName, EventRoute<object>>);

  private bindHandlers(socket: ParleySocket): void {
    let windowStart = Date.now();
    let eventsInWindow = 0;
    // Every event counts, known or not; during shutdown, nothing new is started.
    const admit = (event: unknown): ApiError | null => {
      this.statuses.activity(socket, event);
      const now = Date.now();
      if (now - windowStart > EVENT_BUDGET_WINDOW_MS) {
        windowStart = now;
        eventsInWindow = 0;
      }
      if (++eventsInWindow > this.config.socketEventLimit) return ApiError.rateLimited(Math.ceil((windowStart + EVENT_BUDGET_WINDOW_MS - now) / 1000));
      return this.accepting ? null : ApiError.unavailable('Server is shutting down; reconnect');
    };
    dispatchEvents(socket, this.routes, admit);
  }
}
