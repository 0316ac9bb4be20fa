import { Module } from '@nestjs/common';
import { AuditModule } from '@parley/audit';
import { MessagesModule } from '@parley/messages';
import { AuthModule } from '@parley/auth';
import { NotificationsModule } from '@parley/notifications';
import { RealtimeModule } from '@parley/realtime';
import { RoomsModule } from '@parley/rooms';
import { UsersModule } from '@parley/users';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { ModerationAdminController } from './moderation-admin.controller';
import { StatsService } from './stats.service';

@Module({
  imports: [AuthModule, UsersModule, RealtimeModule, NotificationsModule, RoomsModule, MessagesModule, AuditModule],
  controllers: [AdminController, ModerationAdminController],
  providers: [StatsService, AdminGuard],
})
export class AdminModule {}
