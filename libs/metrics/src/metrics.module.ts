import { Global, Inject, Module, OnModuleInit, Optional } from '@nestjs/common';
import { onDatabaseError } from '@parley/common';
import { RedisConnections } from '@parley/redis';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';

class ErrorCounting implements OnModuleInit {
  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Optional() @Inject(RedisConnections) private readonly redis?: RedisConnections,
  ) {}

  onModuleInit(): void {
    this.redis?.onError(() => this.metrics.redisErrors.inc());
    onDatabaseError(() => this.metrics.databaseErrors.inc());
  }
}

@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, ErrorCounting],
  exports: [Metrics],
})
export class MetricsModule {}
