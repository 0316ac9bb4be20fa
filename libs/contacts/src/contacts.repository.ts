import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ChosenStatus } from '@parley/contract';
import { queryModified, queryRows } from '@parley/database';
import { userRowJson, type UserJsonRow } from '@parley/users';
import { DataSource } from 'typeorm';

export interface ContactRecord {
  user: UserJsonRow;
  addedAt: Date;
}

export interface StatusRecord {
  userId: string;
  chosen: ChosenStatus;
  statusText: string | null;
  lastSeenAt: Date | null;
}

/** Persistence of contacts (`contacts`) and chosen statuses (`user_statuses`); private to the contacts module. */
@Injectable()
export class ContactsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** True when the contact is new; refused (false) once the owner has `max` contacts. */
  async insert(ownerId: string, contactId: string, max: number): Promise<{ added: boolean; full: boolean }> {
    const rows = await queryRows<{ added: boolean; full: boolean }>(
      this.db,
      `WITH existing AS (SELECT count(*) AS n, bool_or(contact_id = $2) AS present FROM contacts WHERE owner_id = $1),
            inserted AS (
              INSERT INTO contacts (owner_id, contact_id)
              SELECT $1, $2 FROM existing WHERE NOT coalesce(present, false) AND n < $3
              ON CONFLICT DO NOTHING RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM inserted) AS added, (SELECT NOT coalesce(present, false) AND n >= $3 FROM existing) AS full`,
      [ownerId, contactId, max],
    );
    return rows[0] ?? { added: false, full: false };
  }

  async delete(ownerId: string, contactId: string): Promise<boolean> {
    const { count } = await queryModified(this.db, `DELETE FROM contacts WHERE owner_id = $1 AND contact_id = $2 RETURNING owner_id`, [ownerId, contactId]);
    return count > 0;
  }

  /** The owner's contacts, by username. */
  async list(ownerId: string): Promise<ContactRecord[]> {
    return queryRows<ContactRecord>(
      this.db,
      `SELECT ${userRowJson('u')} AS "user", c.created_at AS "addedAt"
       FROM contacts c JOIN users u ON u.id = c.contact_id
       WHERE c.owner_id = $1 ORDER BY lower(u.username), u.id`,
      [ownerId],
    );
  }

  async find(ownerId: string, contactId: string): Promise<ContactRecord | null> {
    const rows = await queryRows<ContactRecord>(
      this.db,
      `SELECT ${userRowJson('u')} AS "user", c.created_at AS "addedAt"
       FROM contacts c JOIN users u ON u.id = c.contact_id WHERE c.owner_id = $1 AND c.contact_id = $2`,
      [ownerId, contactId],
    );
    return rows[0] ?? null;
  }

  async contactIds(ownerId: string, limit: number): Promise<string[]> {
    const rows = await queryRows<{ contact_id: string }>(this.db, `SELECT contact_id FROM contacts WHERE owner_id = $1 LIMIT $2`, [ownerId, limit]);
    return rows.map((row) => row.contact_id);
  }

  /** Of `otherIds`, those in the owner's contacts. */
  async contactsAmong(ownerId: string, otherIds: string[]): Promise<string[]> {
    if (otherIds.length === 0) return [];
    const rows = await queryRows<{ contact_id: string }>(
      this.db,
      `SELECT contact_id FROM contacts WHERE owner_id = $1 AND contact_id = ANY($2::uuid[])`,
      [ownerId, otherIds],
    );
    return rows.map((row) => row.contact_id);
  }

  /** Of `ownerIds`, those who have `contactId` in their contacts. */
  async ownersAmong(contactId: string, ownerIds: string[]): Promise<Set<string>> {
    if (ownerIds.length === 0) return new Set();
    const rows = await queryRows<{ owner_id: string }>(
      this.db,
      `SELECT owner_id FROM contacts WHERE contact_id = $1 AND owner_id = ANY($2::uuid[])`,
      [contactId, ownerIds],
    );
    return new Set(rows.map((row) => row.owner_id));
  }

  /** Stored statuses of existing users (a user who never set one reads as chosen `online`, no text, never seen). */
  async findStatuses(userIds: string[]): Promise<StatusRecord[]> {
    if (userIds.length === 0) return [];
    return queryRows<StatusRecord>(
      this.db,
      `SELECT u.id AS "userId", coalesce(s.chosen, 'online') AS chosen, s.status_text AS "statusText", s.last_seen_at AS "lastSeenAt"
       FROM users u LEFT JOIN user_statuses s ON s.user_id = u.id WHERE u.id = ANY($1::uuid[])`,
      [userIds],
    );
  }

  /** Sets the chosen status and/or text (undefined: unchanged; a null text clears it). */
  async saveChoice(userId: string, chosen: ChosenStatus | undefined, statusText: string | null | undefined): Promise<void> {
    await queryRows(
      this.db,
      `INSERT INTO user_statuses (user_id, chosen, status_text) VALUES ($1, coalesce($2, 'online'), CASE WHEN $3 THEN $4 END)
       ON CONFLICT (user_id) DO UPDATE SET chosen = coalesce($2, user_statuses.chosen),
         status_text = CASE WHEN $3 THEN $4 ELSE user_statuses.status_text END
       RETURNING user_id`,
      [userId, chosen ?? null, statusText !== undefined, statusText ?? null],
    );
  }

  /** Stamps `last_seen_at` with the database clock; returns it. */
  async touchLastSeen(userIds: string[]): Promise<Date | null> {
    if (userIds.length === 0) return null;
    const rows = await queryRows<{ last_seen_at: Date }>(
      this.db,
      `INSERT INTO user_statuses (user_id, last_seen_at) SELECT id, now() FROM unnest($1::uuid[]) AS t(id)
       ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at RETURNING last_seen_at`,
      [userIds],
    );
    return rows[0]?.last_seen_at ?? null;
  }
}
