import { Module } from '@nestjs/common';
import { AuditModule } from '@parley/audit';
import { BlocksModule, UsersModule } from '@parley/users';
import { DmsController } from './dms.controller';
import { ModerationController } from './moderation.controller';
import { RoomModeration } from './room-moderation.service';
import { RoomsController } from './rooms.controller';
import { RoomsRepository } from './rooms.repository';
import { RoomsService } from './rooms.service';

@Module({
  imports: [UsersModule, BlocksModule, AuditModule],
  controllers: [RoomsController, DmsController, ModerationController],
  providers: [RoomsRepository, RoomsService, RoomModeration],
  exports: [RoomsService],
})
export class RoomsModule {}
