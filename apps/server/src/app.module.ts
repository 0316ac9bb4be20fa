import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from '@parley/admin';
import { AttachmentsModule } from '@parley/attachments';
import { AuthModule } from '@parley/auth';
import { CommonModule } from '@parley/common';
import { ContactsModule } from '@parley/contacts';
import { AppConfig, ConfigModule } from '@parley/config';
import { DatabaseModule } from '@parley/database';
import { HealthModule } from '@parley/health';
import { MessagesModule } from '@parley/messages';
import { MetricsModule } from '@parley/metrics';
import { NotificationsModule } from '@parley/notifications';
import { PresenceModule } from '@parley/presence';
import { RedisModule, type RedisConnections } from '@parley/redis';
import { RealtimeModule } from '@parley/realtime';
import { RoomsModule } from '@parley/rooms';
import { SearchModule } from '@parley/search';
import { UsersModule } from '@parley/users';

@Module({})
export class AppModule {
  /** With `redis` (REDIS_URL set) broadcasts, presence and limits are cluster-wide; otherwise in-process. */
  static forRoot(config: AppConfig, redis?: RedisConnections): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        RedisModule.forRoot(redis),
        CommonModule,
        MetricsModule,
        PresenceModule,
        DatabaseModule,
        UsersModule,
        AuthModule,
        RoomsModule,
        ContactsModule,
        MessagesModule,
        SearchModule,
        AttachmentsModule,
        RealtimeModule,
        NotificationsModule,
        AdminModule,
        HealthModule,
      ],
    };
  }
}
