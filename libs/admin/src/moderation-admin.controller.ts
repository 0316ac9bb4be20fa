import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLog, AuditPageDto, SiteAuditQuery } from '@parley/audit';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { AuditPage, Report } from '@parley/contract';
import { MessagesService, ReportDto, ReportIdParams, ReportsQuery, ResolveReportDto } from '@parley/messages';
import { AdminGuard } from './admin.guard';

/** The site admins' report queue and the whole audit log. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@ApiErrors('unauthorized', 'forbidden', 'validation_failed', 'rate_limited')
@Controller('admin')
export class ModerationAdminController {
  constructor(
    private readonly messages: MessagesService,
    private readonly audit: AuditLog,
  ) {}

  @Get('reports')
  @ApiOperation({ summary: 'Reported messages, newest first (admins only)' })
  @ApiOkResponse({ type: [ReportDto] })
  reports(@Query() query: ReportsQuery): Promise<Report[]> {
    return this.messages.listReports(query.status ?? null, query.before ?? null, query.limit ?? 50);
  }

  @Post('reports/:id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dismiss a report, or action it (optionally deleting the message); audited' })
  @ApiOkResponse({ type: ReportDto })
  @ApiErrors('not_found', 'conflict')
  resolve(@CurrentUser() caller: AuthUser, @Param() params: ReportIdParams, @Body() body: ResolveReportDto): Promise<Report> {
    return this.messages.resolveReport(caller.id, params.id, body.resolution, body.deleteMessage ?? false);
  }

  @Get('audit')
  @ApiOperation({ summary: 'Every moderation and admin action, newest first (admins only)' })
  @ApiOkResponse({ type: AuditPageDto })
  auditLog(@Query() query: SiteAuditQuery): Promise<AuditPage> {
    return this.audit.page({ ...query, limit: query.limit ?? 50 });
  }
}
