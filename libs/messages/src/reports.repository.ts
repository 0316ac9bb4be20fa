import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Report, ReportStatus } from '@parley/contract';
import { queryModified, queryRows } from '@parley/database';
import { userFromJson, userRowJson, type UserJsonRow } from '@parley/users';
import { DataSource, type EntityManager } from 'typeorm';

interface ReportRow {
  id: string | number;
  room_id: string;
  room_name: string;
  message_id: string;
  seq: string | number;
  content: string;
  deleted_at: Date | null;
  author: UserJsonRow;
  reporter: UserJsonRow;
  reason: string;
  status: ReportStatus;
  created_at: Date;
  resolved_by: string | null;
  resolved_at: Date | null;
}

const REPORT_SELECT = `
  SELECT rep.id, rep.room_id, r.name AS room_name, rep.message_id, msg.seq, msg.content, msg.deleted_at,
         ${userRowJson('author')} AS author, ${userRowJson('reporter')} AS reporter,
         rep.reason, rep.status, rep.created_at, rep.resolved_by, rep.resolved_at
  FROM message_reports rep
  JOIN rooms r ON r.id = rep.room_id
  JOIN messages msg ON msg.id = rep.message_id
  JOIN users author ON author.id = msg.author_id
  JOIN users reporter ON reporter.id = rep.reporter_id`;

function toReport(row: ReportRow): Report {
  return {
    id: Number(row.id),
    roomId: row.room_id,
    roomName: row.room_name,
    message: { id: row.message_id, seq: Number(row.seq), content: row.deleted_at ? '' : row.content, author: userFromJson(row.author), deleted: row.deleted_at !== null },
    reporter: userFromJson(row.reporter),
    reason: row.reason,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    resolvedBy: row.resolved_by,
    resolvedAt: row.resolved_at ? row.resolved_at.toISOString() : null,
  };
}

/** Message reports and their queue; private to the messages module. */
@Injectable()
export class ReportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One report per reporter and message: a repeat returns the first. */
  async insert(roomId: string, messageId: string, reporterId: string, reason: string): Promise<Report> {
    await queryRows(
      this.db,
      `INSERT INTO message_reports (room_id, message_id, reporter_id, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (message_id, reporter_id) DO NOTHING`,
      [roomId, messageId, reporterId, reason],
    );
    const rows = await queryRows<ReportRow>(this.db, `${REPORT_SELECT} WHERE rep.message_id = $1 AND rep.reporter_id = $2`, [messageId, reporterId]);
    return toReport(rows[0] as ReportRow);
  }

  async findById(reportId: number): Promise<Report | null> {
    const rows = await queryRows<ReportRow>(this.db, `${REPORT_SELECT} WHERE rep.id = $1`, [reportId]);
    return rows[0] ? toReport(rows[0]) : null;
  }

  /** Newest first, below `before`. */
  async page(status: ReportStatus | null, before: number | null, limit: number): Promise<Report[]> {
    const rows = await queryRows<ReportRow>(this.db, 
      `${REPORT_SELECT} WHERE ($1::text IS NULL OR rep.status = $1) AND ($2::bigint IS NULL OR rep.id < $2) ORDER BY rep.id DESC LIMIT $3`,
      [status, before, limit],
    );
    return rows.map(toReport);
  }

  /** Closes an open report; false when it was resolved already. */
  async resolve(manager: EntityManager, reportId: number, status: Exclude<ReportStatus, 'open'>, resolvedBy: string): Promise<boolean> {
    const { rows } = await queryModified<unknown>(
      manager,
      `UPDATE message_reports SET status = $2, resolved_by = $3, resolved_at = now() WHERE id = $1 AND status = 'open' RETURNING id`,
      [reportId, status, resolvedBy],
    );
    return rows.length > 0;
  }
}
