import { Module } from '@nestjs/common';
import { AuthModule } from '@parley/auth';
import { AppConfig } from '@parley/config';
import { MessagesModule } from '@parley/messages';
import { RedisConnections } from '@parley/redis';
import { RoomsModule } from '@parley/rooms';
import { UsersModule } from '@parley/users';
import { ChatGateway } from './chat.gateway';
import { ClusterBus, InProcessClusterBus, RedisClusterBus } from './cluster-bus';
import { RoomBroadcaster } from './room-broadcaster';
import { SocketRegistry } from './socket-registry';

@Module({
  imports: [AuthModule, UsersModule, RoomsModule, MessagesModule],
  providers: [
    ChatGateway,
    SocketRegistry,
    RoomBroadcaster,
    {
      provide: ClusterBus,
      inject: [AppConfig, { token: RedisConnections, optional: true }],
      useFactory: (config: AppConfig, redis?: RedisConnections): ClusterBus =>
        redis ? new RedisClusterBus(redis, config.instanceId) : new InProcessClusterBus(config.instanceId),
    },
  ],
  exports: [SocketRegistry],
})
export class RealtimeModule {}
