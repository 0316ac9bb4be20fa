import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { queryModified, queryRows } from '@parley/database';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface ConsumedToken {
  userId: string;
  familyId: string;
}

/** Refresh tokens of rotation families; only each token's SHA-256 is stored. Private to the auth module. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(userId: string, familyId: string, tokenHash: Buffer, expiresAt: Date): Promise<void> {
    await queryRows(this.db, `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
      randomUUID(),
      userId,
      familyId,
      tokenHash,
      expiresAt,
    ]);
  }

  /** Marks a live token used, atomically: of two concurrent refreshes with one token, only one wins. */
  async consume(tokenHash: Buffer): Promise<ConsumedToken | null> {
    const { rows } = await queryModified<{ user_id: string; family_id: string }>(
      this.db,
      `UPDATE refresh_tokens SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
       RETURNING user_id, family_id`,
      [tokenHash],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, familyId: row.family_id } : null;
  }

  async findFamilyByHash(tokenHash: Buffer): Promise<ConsumedToken | null> {
    const rows = await queryRows<{ family_id: string; user_id: string }>(this.db, `SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1`, [tokenHash]);
    const row = rows[0];
    return row ? { userId: row.user_id, familyId: row.family_id } : null;
  }

  /** A session is live while its family holds a token that was not revoked (used ones included). */
  async isFamilyLive(userId: string, familyId: string): Promise<boolean> {
    const rows = await queryRows(this.db, `SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL LIMIT 1`, [familyId, userId]);
    return rows.length > 0;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await queryModified(this.db, `UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [familyId]);
  }

  /** Every session of the user but `exceptFamilyId` (the caller's own, when it stays). */
  async revokeUserFamilies(userId: string, exceptFamilyId: string | null): Promise<void> {
    await queryModified(
      this.db,
      `UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2::uuid)`,
      [userId, exceptFamilyId],
    );
  }

  async deleteExpired(): Promise<void> {
    await queryModified(this.db, `DELETE FROM refresh_tokens WHERE expires_at < now()`);
  }
}
