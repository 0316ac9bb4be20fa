import { Module } from '@nestjs/common';
import { AuditModule } from '@parley/audit';
import { BlocksModule, UsersModule } from '@parley/users';
import { ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { DmsController } from './dms.controller';
import { ModerationController } from './moderation.controller';
import { RoomModeration } from './room-moderation.service';
import { RoomsController } from './rooms.controller';
import { RoomsRepository } from './rooms.repository';
import { RoomsService } from './rooms.service';

@Module({
  imports: [UsersModule, BlocksModule, AuditModule],
  controllers: [RoomsController, DmsController, ModerationController, ConversationsController],
  providers: [RoomsRepository, RoomsService, RoomModeration, ConversationsRepository, ConversationsService],
  exports: [RoomsService, ConversationsService],
})
export class RoomsModule {}
