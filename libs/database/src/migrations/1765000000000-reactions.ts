import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Reactions: one row per (message, user, emoji); a deleted message loses its reactions with its text. */
export class Reactions1765000000000 implements MigrationInterface {
  name = 'Reactions1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE message_reactions (
        message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        emoji varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, emoji, user_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE message_reactions');
  }
}
