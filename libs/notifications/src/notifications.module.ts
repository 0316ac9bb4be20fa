import { Module } from '@nestjs/common';
import { AuthModule } from '@parley/auth';
import { RoomsModule } from '@parley/rooms';
import { BlocksModule, UsersModule } from '@parley/users';
import { NotificationBus } from './notification-bus';
import { NotificationStreams } from './notification-streams';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

@Module({
  imports: [AuthModule, RoomsModule, UsersModule, BlocksModule],
  controllers: [NotificationsController],
  providers: [
    NotificationsRepository,
    NotificationsService,
    NotificationStreams,
    NotificationBus,
  ],
  exports: [NotificationStreams],
})
export class NotificationsModule {}
