import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { RefreshTokenEntity } from './refresh-token.entity';

export interface ConsumedToken {
  userId: string;
  familyId: string;
}

@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectRepository(RefreshTokenEntity) private readonly tokens: Repository<RefreshTokenEntity>) {}

  async insert(userId: string, familyId: string, tokenHash: Buffer, expiresAt: Date): Promise<void> {
    await this.tokens.insert({ id: randomUUID(), userId, familyId, tokenHash, expiresAt });
  }

  /** Marks a live token used, atomically: of two concurrent refreshes with one token, only one wins. */
  async consume(tokenHash: Buffer): Promise<ConsumedToken | null> {
    const rows = await this.tokens.query<[Array<{ user_id: string; family_id: string }>, number]>(
      `UPDATE refresh_tokens SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
       RETURNING user_id, family_id`,
      [tokenHash],
    );
    const row = rows[0][0];
    return row ? { userId: row.user_id, familyId: row.family_id } : null;
  }

  async findFamilyByHash(tokenHash: Buffer): Promise<ConsumedToken | null> {
    const token = await this.tokens.findOne({ where: { tokenHash }, select: { familyId: true, userId: true } });
    return token ? { userId: token.userId, familyId: token.familyId } : null;
  }

  /** A session is live while its family holds a token that was not revoked (used ones included). */
  async isFamilyLive(userId: string, familyId: string): Promise<boolean> {
    const rows = await this.tokens.query<unknown[]>(
      `SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL LIMIT 1`,
      [familyId, userId],
    );
    return rows.length > 0;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
  }

  /** Every session of the user but `exceptFamilyId` (the caller's own, when it stays). */
  async revokeUserFamilies(userId: string, exceptFamilyId: string | null): Promise<void> {
    await this.tokens.query(
      `UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2::uuid)`,
      [userId, exceptFamilyId],
    );
  }

  async deleteExpired(): Promise<void> {
    await this.tokens.createQueryBuilder().delete().where('expires_at < now()').execute();
  }
}
