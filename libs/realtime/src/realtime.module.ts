import { Module } from '@nestjs/common';
import { AuthModule } from '@parley/auth';
import { ContactsModule } from '@parley/contacts';
import { MessagesModule } from '@parley/messages';
import { RoomsModule } from '@parley/rooms';
import { BlocksModule, UsersModule } from '@parley/users';
import { ChatGateway } from './chat.gateway';
import { ConversationUpdates } from './conversation-updates';
import { RoomBroadcaster } from './room-broadcaster';
import { RoomDelivery } from './room-delivery';
import { SocketRegistry } from './socket-registry';
import { SocketSessions } from './socket-sessions';
import { Typing } from './typing';

@Module({
  imports: [AuthModule, UsersModule, BlocksModule, RoomsModule, MessagesModule, ContactsModule],
  providers: [ChatGateway, SocketRegistry, SocketSessions, RoomDelivery, Typing, RoomBroadcaster, ConversationUpdates],
  exports: [SocketRegistry],
})
export class RealtimeModule {}
