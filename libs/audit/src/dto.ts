import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IdPageQuery } from '@parley/common';
import type { AuditAction, AuditEntry, AuditPage, User } from '@parley/contract';
import { IsIn, IsOptional, IsUUID } from 'class-validator';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'message.deleted',
  'member.kicked',
  'member.role_changed',
  'member.muted',
  'member.unmuted',
  'member.banned',
  'member.unbanned',
  'report.resolved',
  'admin.broadcast',
  'user.suspended',
  'user.reinstated',
  'admin.granted',
  'admin.revoked',
];

/** Filters of GET /api/rooms/:id/audit. */
export class RoomAuditQuery extends IdPageQuery {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({ description: 'Only actions by this user' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ description: 'Only actions on this user' })
  @IsOptional()
  @IsUUID()
  targetUserId?: string;
}

/** Filters of GET /api/admin/audit: those of a room's log, and the room. */
export class SiteAuditQuery extends RoomAuditQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  roomId?: string;
}

export class AuditEntryDto implements AuditEntry {
  @ApiProperty() id!: number;
  @ApiProperty() at!: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action!: AuditAction;
  @ApiProperty({ nullable: true, type: Object }) actor!: User | null;
  @ApiProperty({ nullable: true, type: String }) roomId!: string | null;
  @ApiProperty({ nullable: true, type: Object }) targetUser!: User | null;
  @ApiProperty({ nullable: true, type: String }) messageId!: string | null;
  @ApiProperty({ type: Object, description: 'Action-specific: reason, until, from/to roles, resolution…' }) details!: Record<string, unknown>;
}

export class AuditPageDto implements AuditPage {
  @ApiProperty({ type: [AuditEntryDto] }) entries!: AuditEntry[];
  @ApiProperty({ nullable: true, type: Number }) nextBefore!: number | null;
}
