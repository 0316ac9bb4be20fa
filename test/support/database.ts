import { MIGRATIONS, PARLEY_PG_TYPES, runMigrationsExclusively } from '@parley/database';
import type { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { fake } from './unit/fake';

/** Creates a fresh, empty database on the run's PostgreSQL and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = process.env.PARLEY_TEST_ADMIN_URL;
  if (!adminUrl) throw new Error('PARLEY_TEST_ADMIN_URL is not set: run the tests through jest (global setup)');
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A fresh database with the app's schema (its migrations, as a server runs them at start-up) and a TypeORM
 * DataSource on it: what repository specs construct their repository with.
 */
export async function openMigratedDatabase(): Promise<{ url: string; dataSource: DataSource }> {
  const url = await createTestDatabase();
  // The app's column parsing (bigint as a number), as its own pool has it.
  const dataSource = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS, logging: false, extra: { max: 4, types: PARLEY_PG_TYPES } });
  await dataSource.initialize();
  await runMigrationsExclusively(dataSource, fake<Logger>({ log: () => undefined }));
  return { url, dataSource };
}

/** Every acked message is stored in the room, and the room's seqs are gapless (1…n), after whatever happened. */
export async function expectAckedStoredGapless(databaseUrl: string, roomId: string, acked: Array<{ id: string }>): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const stored = await db.query<{ id: string; seq: string }>('SELECT id, seq FROM messages WHERE room_id = $1 ORDER BY seq', [roomId]);
    const storedIds = new Set(stored.rows.map((row) => row.id));
    for (const message of acked) expect(storedIds.has(message.id)).toBe(true);
    expect(stored.rows.map((row) => Number(row.seq))).toEqual(stored.rows.map((_, i) => i + 1));
  } finally {
    await db.end();
  }
}

/** Rows for repository specs, inserted with plain SQL (the repositories under test are not the seeders). */
export class Seed {
  constructor(private readonly db: DataSource) {}

  async user(username: string): Promise<string> {
    const [row] = await this.db.query<Array<{ id: string }>>(
      `INSERT INTO users (username, display_name, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
      [username, username.toUpperCase()],
    );
    return row!.id;
  }

  /** A public group room with its members (the first one the owner). */
  async room(name: string, memberIds: string[]): Promise<string> {
    const [row] = await this.db.query<Array<{ id: string }>>(
      `INSERT INTO rooms (name, visibility, kind, created_by) VALUES ($1, 'public', 'group', $2) RETURNING id`,
      [name, memberIds[0] ?? null],
    );
    const roomId = row!.id;
    for (const [i, userId] of memberIds.entries()) {
      await this.db.query(`INSERT INTO memberships (room_id, user_id, role) VALUES ($1, $2, $3)`, [roomId, userId, i === 0 ? 'owner' : 'member']);
    }
    return roomId;
  }

  /** Messages with the given seqs, by one author, straight into the table. */
  async messages(roomId: string, authorId: string, seqs: number[]): Promise<void> {
    await this.db.query(
      `INSERT INTO messages (room_id, seq, author_id, content) SELECT $1, s, $2, 'message ' || s FROM unnest($3::bigint[]) AS s`,
      [roomId, authorId, seqs],
    );
  }

  async lastReadSeq(roomId: string, userId: string): Promise<number> {
    const [row] = await this.db.query<Array<{ last_read_seq: string | number }>>(
      `SELECT last_read_seq FROM memberships WHERE room_id = $1 AND user_id = $2`,
      [roomId, userId],
    );
    return Number(row?.last_read_seq);
  }
}
