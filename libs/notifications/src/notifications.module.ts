import { Module } from '@nestjs/common';
import { RedisConnections } from '@parley/redis';
import { RoomsModule } from '@parley/rooms';
import { UsersModule } from '@parley/users';
import { InProcessNotificationBus, NotificationBus, RedisNotificationBus } from './notification-bus';
import { NotificationStreams } from './notification-streams';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

@Module({
  imports: [RoomsModule, UsersModule],
  controllers: [NotificationsController],
  providers: [
    NotificationsRepository,
    NotificationsService,
    NotificationStreams,
    {
      provide: NotificationBus,
      inject: [{ token: RedisConnections, optional: true }],
      useFactory: (redis?: RedisConnections): NotificationBus => (redis ? new RedisNotificationBus(redis) : new InProcessNotificationBus()),
    },
  ],
  exports: [NotificationStreams],
})
export class NotificationsModule {}
