import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { queryModified, queryRows } from '@parley/database';
import { DataSource } from 'typeorm';
import { userRowJson, type UserJsonRow } from './user-view';

export interface BlockRecord {
  user: UserJsonRow;
  blockedAt: Date;
}

/** Persistence of blocks (`user_blocks`); private to the users module. */
@Injectable()
export class BlocksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** True when the block is new. */
  async insert(blockerId: string, blockedId: string): Promise<boolean> {
    const rows = await queryRows(
      this.db,
      `INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING blocker_id`,
      [blockerId, blockedId],
    );
    return rows.length > 0;
  }

  /** True when there was a block to lift. */
  async delete(blockerId: string, blockedId: string): Promise<boolean> {
    const { count } = await queryModified(this.db, `DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2 RETURNING blocker_id`, [
      blockerId,
      blockedId,
    ]);
    return count > 0;
  }

  /** Whom the user blocked, newest first. */
  async listBlockedBy(blockerId: string): Promise<BlockRecord[]> {
    return queryRows<BlockRecord>(
      this.db,
      `SELECT ${userRowJson('u')} AS "user", b.created_at AS "blockedAt"
       FROM user_blocks b JOIN users u ON u.id = b.blocked_id
       WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, u.id`,
      [blockerId],
    );
  }

  /** Of `candidateIds`, those who blocked `userId`. */
  async blockersAmong(userId: string, candidateIds: string[]): Promise<string[]> {
    if (candidateIds.length === 0) return [];
    const rows = await queryRows<{ blocker_id: string }>(
      this.db,
      `SELECT blocker_id FROM user_blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::uuid[])`,
      [userId, candidateIds],
    );
    return rows.map((row) => row.blocker_id);
  }

  /** Everyone who blocked `userId`. */
  async blockersOf(userId: string): Promise<string[]> {
    const rows = await queryRows<{ blocker_id: string }>(this.db, `SELECT blocker_id FROM user_blocks WHERE blocked_id = $1`, [userId]);
    return rows.map((row) => row.blocker_id);
  }
}
