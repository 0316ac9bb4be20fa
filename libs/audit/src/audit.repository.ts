import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditAction, AuditEntry } from '@parley/contract';
import { queryRows } from '@parley/database';
import { userFromJson, userRowJson, type UserJsonRow } from '@parley/users';
import { DataSource, type EntityManager } from 'typeorm';

export interface AuditRecord {
  actorId: string | null;
  action: AuditAction;
  roomId?: string | null;
  targetUserId?: string | null;
  messageId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  roomId?: string;
  action?: AuditAction;
  actorId?: string;
  targetUserId?: string;
  before?: number;
  limit: number;
}

interface AuditRow {
  id: string | number;
  at: Date;
  action: AuditAction;
  room_id: string | null;
  message_id: string | null;
  details: Record<string, unknown>;
  actor: UserJsonRow | null;
  target: UserJsonRow | null;
}

/** The append-only audit log (a trigger refuses UPDATE, DELETE and TRUNCATE); private to the audit module. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inside the caller's transaction when given one, so the action and its entry commit together. */
  async append(record: AuditRecord, manager: EntityManager = this.db.manager): Promise<void> {
    await queryRows(
      manager,
      `INSERT INTO audit_log (actor_id, action, room_id, target_user_id, message_id, details) VALUES ($1, $2, $3, $4, $5, $6)`,
      [record.actorId, record.action, record.roomId ?? null, record.targetUserId ?? null, record.messageId ?? null, JSON.stringify(record.details ?? {})],
    );
  }

  /** Newest first, below `before`. */
  async page(filter: AuditFilter): Promise<AuditEntry[]> {
    const rows = await queryRows<AuditRow>(this.db, 
      `SELECT a.id, a.at, a.action, a.room_id, a.message_id, a.details, ${userRowJson('actor')} AS actor, ${userRowJson('target')} AS target
       FROM audit_log a
       LEFT JOIN users actor ON actor.id = a.actor_id
       LEFT JOIN users target ON target.id = a.target_user_id
       WHERE ($1::uuid IS NULL OR a.room_id = $1) AND ($2::text IS NULL OR a.action = $2)
         AND ($3::uuid IS NULL OR a.actor_id = $3) AND ($4::uuid IS NULL OR a.target_user_id = $4)
         AND ($5::bigint IS NULL OR a.id < $5)
       ORDER BY a.id DESC LIMIT $6`,
      [filter.roomId ?? null, filter.action ?? null, filter.actorId ?? null, filter.targetUserId ?? null, filter.before ?? null, filter.limit],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      at: row.at.toISOString(),
      action: row.action,
      actor: row.actor && userFromJson(row.actor),
      roomId: row.room_id,
      targetUser: row.target && userFromJson(row.target),
      messageId: row.message_id,
      details: row.details,
    }));
  }
}
