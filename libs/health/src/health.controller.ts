import { Controller, Get, Optional, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthIndicatorResult } from '@nestjs/terminus';
import { Public } from '@parley/common';
import { RedisConnections } from '@parley/redis';
import type { Response } from 'express';

export interface HealthReport {
  status: 'ok' | 'error';
  checks: Record<string, { status: string; [key: string]: unknown }>;
}

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Optional() private readonly redis?: RedisConnections,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness and dependencies: 200 when healthy, 503 when the database (or Redis, when configured) is down' })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: { status: 'up' } } } } })
  @ApiServiceUnavailableResponse({ schema: { example: { status: 'error', checks: { database: { status: 'down' } } } } })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    const indicators = [(): Promise<HealthIndicatorResult> => this.database.pingCheck('database', { timeout: 2000 })];
    const redis = this.redis;
    if (redis) indicators.push(() => this.checkRedis(redis));
    try {
      const result = await this.health.check(indicators);
      return { status: 'ok', checks: { ...result.details } };
    } catch (error) {
      const details = (error as { response?: { details?: HealthReport['checks'] } }).response?.details ?? {};
      response.status(503);
      return { status: 'error', checks: details };
    }
  }

  private async checkRedis(redis: RedisConnections): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('redis');
    if (!redis.isHealthy) return check.down({ message: 'Redis connection lost; local sockets still served, reconnecting' });
    try {
      await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
      return check.up();
    } catch (error) {
      return check.down({ message: String(error) });
    }
  }
}
