import { Module } from '@nestjs/common';
import { AuthModule } from '@parley/auth';
import { MessagesModule } from '@parley/messages';
import { RoomsModule } from '@parley/rooms';
import { UsersModule } from '@parley/users';
import { ChatGateway } from './chat.gateway';
import { ConversationUpdates } from './conversation-updates';
import { RoomBroadcaster } from './room-broadcaster';
import { RoomDelivery } from './room-delivery';
import { SocketRegistry } from './socket-registry';
import { SocketSessions } from './socket-sessions';
import { Typing } from './typing';

@Module({
  imports: [AuthModule, UsersModule, RoomsModule, MessagesModule],
  providers: [ChatGateway, SocketRegistry, SocketSessions, RoomDelivery, Typing, RoomBroadcaster, ConversationUpdates],
  exports: [SocketRegistry],
})
export class RealtimeModule {}
