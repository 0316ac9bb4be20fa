import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attachments sent with messages (contract §1, §4, §11): `messages.attachments` keeps what the message shows of
 * its files (`[{id, name, size, contentType, width?, height?, hasThumbnail}]`, in the order sent; null when
 * none), written by the send statement in the same commit that sets each attachment's `message_id`, so history
 * reads need no join.
 */
export class MessageAttachments1765400000000 implements MigrationInterface {
  name = 'MessageAttachments1765400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE messages ADD COLUMN attachments jsonb`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE messages DROP COLUMN attachments`);
  }
}
