import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Edit history: each edit keeps the text it replaced (one row per edit, in edit order). Deleting a message
 * removes its history with its content, so nothing of a deleted message stays readable.
 */
export class MessageEdits1764800000000 implements MigrationInterface {
  name = 'MessageEdits1764800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE message_edits (
        id bigserial PRIMARY KEY,
        message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        content text NOT NULL,
        replaced_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX message_edits_message_idx ON message_edits (message_id, id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE message_edits');
  }
}
