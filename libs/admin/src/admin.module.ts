import { Module } from '@nestjs/common';
import { AuthModule } from '@parley/auth';
import { NotificationsModule } from '@parley/notifications';
import { RealtimeModule } from '@parley/realtime';
import { RoomsModule } from '@parley/rooms';
import { UsersModule } from '@parley/users';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { StatsService } from './stats.service';

@Module({
  imports: [AuthModule, UsersModule, RealtimeModule, NotificationsModule, RoomsModule],
  controllers: [AdminController],
  providers: [StatsService, AdminGuard],
})
export class AdminModule {}
