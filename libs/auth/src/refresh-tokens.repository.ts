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

  async findFamilyByHash(tokenHash: Buffer): Promise<string | null> {
    const token = await this.tokens.findOne({ where: { tokenHash }, select: { familyId: true } });
    return token?.familyId ?? null;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
  }

  async deleteExpired(): Promise<void> {
    await this.tokens.createQueryBuilder().delete().where('expires_at < now()').execute();
  }
}
