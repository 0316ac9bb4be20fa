import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { RedisConnections } from './redis-connections';

class RedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(RedisConnections) private readonly connections: RedisConnections) {}

  /** Last: after sockets were closed and presence cleaned up through these connections. */
  async onApplicationShutdown(): Promise<void> {
    await this.connections.close();
  }
}

/** Shares the instance's Redis connections (present only when REDIS_URL is set). */
@Global()
@Module({})
export class RedisModule {
  static forRoot(connections: RedisConnections): DynamicModule {
    return {
      module: RedisModule,
      providers: [{ provide: RedisConnections, useValue: connections }, RedisShutdown],
      exports: [RedisConnections],
    };
  }
}
