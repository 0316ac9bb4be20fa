import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, Optional, type Provider } from '@nestjs/common';
import { ChannelBus, LocalChannelBus, RedisChannelBus } from './channel-bus';
import { RedisConnections } from './redis-connections';

class RedisShutdown implements OnApplicationShutdown {
  constructor(@Optional() @Inject(RedisConnections) private readonly connections?: RedisConnections) {}

  /** Last: after sockets were closed and presence cleaned up through these connections. */
  async onApplicationShutdown(): Promise<void> {
    await this.connections?.close();
  }
}

/**
 * The instance's Redis connections (present only when REDIS_URL is set) and its ChannelBus: over Redis in a
 * cluster, in-process otherwise.
 */
@Global()
@Module({})
export class RedisModule {
  static forRoot(connections?: RedisConnections): DynamicModule {
    const providers: Provider[] = [{ provide: ChannelBus, useValue: connections ? new RedisChannelBus(connections) : new LocalChannelBus() }, RedisShutdown];
    if (connections) providers.push({ provide: RedisConnections, useValue: connections });
    return { module: RedisModule, providers, exports: connections ? [ChannelBus, RedisConnections] : [ChannelBus] };
  }
}
