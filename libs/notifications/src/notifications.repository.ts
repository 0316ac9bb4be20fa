import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DurableNotification, DurableNotificationType, NotificationEventMap } from '@parley/contract';
import { queryModified, queryRows } from '@parley/database';
import { DataSource } from 'typeorm';

interface NotificationRow {
  id: number;
  type: DurableNotificationType;
  data: unknown;
  created_at: Date;
  read_at: Date | null;
}

function toNotification(row: NotificationRow): DurableNotification {
  return {
    id: row.id,
    type: row.type,
    data: row.data,
    createdAt: row.created_at.toISOString(),
    readAt: row.read_at?.toISOString() ?? null,
  } as DurableNotification;
}

/** Durable notifications; private to the notifications module. */
@Injectable()
export class NotificationsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores one with the user's next id, in one statement (the user's row lock orders concurrent inserts). */
  async insert<K extends DurableNotificationType>(userId: string, type: K, data: NotificationEventMap[K]): Promise<DurableNotification> {
    const rows = await queryRows<NotificationRow>(
      this.db,
      `WITH next AS (UPDATE users SET last_notification_id = last_notification_id + 1 WHERE id = $1 RETURNING last_notification_id)
       INSERT INTO notifications (user_id, id, type, data) SELECT $1, next.last_notification_id, $2, $3 FROM next
       RETURNING id, type, data, created_at, read_at`,
      [userId, type, JSON.stringify(data)],
    );
    const row = rows[0];
    if (!row) throw new Error(`user ${userId} does not exist`);
    return toNotification(row);
  }

  /** The user's newest notification id (0 when none): where a stream without Last-Event-ID starts. */
  async currentId(userId: string): Promise<number> {
    const rows = await queryRows<{ last_notification_id: number }>(this.db, `SELECT last_notification_id FROM users WHERE id = $1`, [userId]);
    return rows[0]?.last_notification_id ?? 0;
  }

  /** Oldest first, after an id (replay after Last-Event-ID). */
  async findAfter(userId: string, afterId: number, limit: number): Promise<DurableNotification[]> {
    const rows = await queryRows<NotificationRow>(
      this.db,
      `SELECT id, type, data, created_at, read_at FROM notifications WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [userId, afterId, limit],
    );
    return rows.map(toNotification);
  }

  /** Newest first, optionally unread only, optionally before an id (paging back). */
  async list(userId: string, options: { unreadOnly: boolean; limit: number; before?: number }): Promise<DurableNotification[]> {
    const rows = await queryRows<NotificationRow>(
      this.db,
      `SELECT id, type, data, created_at, read_at FROM notifications
       WHERE user_id = $1 AND ($2::boolean IS FALSE OR read_at IS NULL) AND ($3::bigint IS NULL OR id < $3)
       ORDER BY id DESC LIMIT $4`,
      [userId, options.unreadOnly, options.before ?? null, options.limit],
    );
    return rows.map(toNotification);
  }

  async markReadUpTo(userId: string, upToId: number): Promise<number> {
    const { count } = await queryModified(
      this.db,
      `UPDATE notifications SET read_at = now() WHERE user_id = $1 AND id <= $2 AND read_at IS NULL`,
      [userId, upToId],
    );
    return count;
  }
}
