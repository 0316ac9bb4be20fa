import { Module } from '@nestjs/common';
import { NotificationsModule } from '@parley/notifications';
import { RealtimeModule } from '@parley/realtime';
import { RoomsModule } from '@parley/rooms';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { StatsService } from './stats.service';

@Module({
  imports: [RealtimeModule, NotificationsModule, RoomsModule],
  controllers: [AdminController],
  providers: [StatsService, AdminGuard],
})
export class AdminModule {}
