import { BeforeApplicationShutdown, Body, Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '@parley/audit';
import { AuthService, isRevoked, Sessions } from '@parley/auth';
import { ApiErrors, CurrentUser, DomainEvents, type AuthUser } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { Response } from 'express';
import { AdminGuard } from './admin.guard';
import { AdminStatsDto, BroadcastDto, UserIdParams } from './dto';
import { StatsService, type ClusterStats } from './stats.service';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@ApiErrors('unauthorized', 'forbidden', 'rate_limited')
@Controller('admin')
export class AdminController implements BeforeApplicationShutdown {
  /** Open stats streams, ended at shutdown before the HTTP server closes (it waits for open responses). */
  private readonly statsStreams = new Set<Response>();

  constructor(
    private readonly stats: StatsService,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly sessions: Sessions,
    private readonly audit: AuditLog,
  ) {}

  beforeApplicationShutdown(): void {
    for (const response of this.statsStreams) response.end();
  }

  @Get('stats')
  @ApiOperation({ summary: 'Cluster-wide figures, and per instance (admins only)' })
  @ApiOkResponse({ type: AdminStatsDto })
  current(): Promise<ClusterStats> {
    return this.stats.cluster();
  }

  @Get('stats/stream')
  @ApiOperation({ summary: 'The same figures as Server-Sent Events (`event: stats`) every 2 s (STATS_INTERVAL_MS)' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'A text/event-stream of `stats` events, ended like the notification stream by `auth:expired` (token expiry) or `auth:revoked` (session revoked)',
  })
  stream(@CurrentUser() caller: AuthUser, @Res() response: Response): void {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    this.statsStreams.add(response);
    let busy = false;
    const send = (): void => {
      if (busy) return; // a slow round never piles up
      busy = true;
      this.stats
        .cluster()
        .then((stats) => response.write(`event: stats\ndata: ${JSON.stringify(stats)}\n\n`))
        .catch(() => response.write(': stats unavailable\n\n'))
        .finally(() => (busy = false));
    };
    send();
    const timer = setInterval(send, this.config.statsIntervalMs);
    // Like every stream, it lives as long as the caller's token and session.
    const end = (event: 'auth:expired' | 'auth:revoked', data: object): void => {
      if (response.writableEnded) return; // a revocation is heard twice (here, then from the bus)
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      response.end();
    };
    const expiredAt = new Date(caller.expiresAt).toISOString();
    const expiry = setTimeout(() => end('auth:expired', { reason: 'token_expired', expiredAt }), Math.max(0, caller.expiresAt - Date.now()));
    const stopListening = this.sessions.onRevoked((revocation) => {
      if (isRevoked(revocation, caller.id, caller.sessionId)) end('auth:revoked', { reason: revocation.reason });
    });
    response.on('close', () => {
      this.statsStreams.delete(response);
      clearInterval(timer);
      clearTimeout(expiry);
      stopListening();
    });
  }

  @Post('broadcast')
  @HttpCode(204)
  @ApiOperation({ summary: 'Send an `announcement` to every socket and every notification stream, cluster-wide' })
  @ApiNoContentResponse()
  @ApiErrors('validation_failed')
  async broadcast(@CurrentUser() caller: AuthUser, @Body() body: BroadcastDto): Promise<void> {
    await this.audit.record({ actorId: caller.id, action: 'admin.broadcast', details: { content: body.content } });
    this.events.emit('announcement', { content: body.content, createdAt: new Date().toISOString() });
  }

  @Post('users/:userId/suspend')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Suspend an account',
    description: 'It cannot sign in or refresh; every session ends at once on every instance (`auth:revoked`, reason `account_suspended`).',
  })
  @ApiNoContentResponse()
  @ApiErrors('validation_failed', 'not_found')
  async suspend(@CurrentUser() caller: AuthUser, @Param() params: UserIdParams): Promise<void> {
    await this.auth.suspend(params.userId);
    await this.audit.record({ actorId: caller.id, action: 'user.suspended', targetUserId: params.userId });
  }

  @Post('users/:userId/unsuspend')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lift a suspension (the user signs in again)' })
  @ApiNoContentResponse()
  @ApiErrors('validation_failed', 'not_found')
  async unsuspend(@CurrentUser() caller: AuthUser, @Param() params: UserIdParams): Promise<void> {
    await this.auth.unsuspend(params.userId);
    await this.audit.record({ actorId: caller.id, action: 'user.reinstated', targetUserId: params.userId });
  }
}
