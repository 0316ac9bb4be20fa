import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attachments (docs/api-contract.md §11). A row is written before the bytes (`stored_at` null until they are
 * all in), so a failed or abandoned upload is found and removed like an unsent one. `message_id` is set when
 * the attachment is sent (with its place among the message's attachments); `message_deleted_at` is stamped by a trigger when that message is deleted, so the
 * retention sweep reads an index instead of joining every sent attachment to messages.
 * `attachment_chunks` holds the bytes for ATTACHMENT_STORAGE=postgres: 256 KiB rows, stored out of line
 * without compression (EXTERNAL: images and archives do not compress; trying costs CPU).
 */
export class Attachments1765200000000 implements MigrationInterface {
  name = 'Attachments1765200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        room_id uuid REFERENCES rooms(id) ON DELETE SET NULL,
        uploader_id uuid NOT NULL REFERENCES users(id),
        message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
        message_position smallint,
        name varchar(200) NOT NULL,
        content_type varchar(100),
        size bigint,
        width integer,
        height integer,
        thumbnail_size integer,
        storage varchar(16) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        stored_at timestamptz,
        message_deleted_at timestamptz
      )`);
    await runner.query(`CREATE INDEX attachments_uploader_idx ON attachments (uploader_id) INCLUDE (size)`);
    await runner.query(`CREATE INDEX attachments_room_idx ON attachments (room_id)`);
    await runner.query(`CREATE INDEX attachments_message_idx ON attachments (message_id) WHERE message_id IS NOT NULL`);
    await runner.query(`CREATE INDEX attachments_unsent_idx ON attachments (created_at) WHERE message_id IS NULL`);
    await runner.query(`CREATE INDEX attachments_message_deleted_idx ON attachments (message_deleted_at) WHERE message_deleted_at IS NOT NULL`);

    await runner.query(`
      CREATE FUNCTION attachments_follow_message_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE attachments SET message_deleted_at = NEW.deleted_at WHERE message_id = NEW.id;
        RETURN NULL;
      END $$`);
    await runner.query(`
      CREATE TRIGGER messages_deleted_attachments AFTER UPDATE OF deleted_at ON messages
      FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
      EXECUTE FUNCTION attachments_follow_message_deletion()`);

    await runner.query(`
      CREATE TABLE attachment_chunks (
        attachment_id uuid NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
        part smallint NOT NULL,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (attachment_id, part, seq)
      )`);
    await runner.query(`ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE attachment_chunks`);
    await runner.query(`DROP TRIGGER messages_deleted_attachments ON messages`);
    await runner.query(`DROP FUNCTION attachments_follow_message_deletion()`);
    await runner.query(`DROP TABLE attachments`);
  }
}
