import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A change cursor per room: each change to a stored message (edit, deletion, reaction) takes the room's next
 * `change_version` and stamps the message with it, so a client that was away asks for the messages changed
 * since the version it saw. Sends do not move it (a new message is covered by its seq).
 */
export class MessageChanges1765100000000 implements MigrationInterface {
  name = 'MessageChanges1765100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE rooms ADD COLUMN change_version bigint NOT NULL DEFAULT 0`);
    await runner.query(`ALTER TABLE messages ADD COLUMN changed_version bigint NOT NULL DEFAULT 0`);
    await runner.query(`CREATE INDEX messages_room_changes_idx ON messages (room_id, changed_version) WHERE changed_version > 0`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX messages_room_changes_idx`);
    await runner.query(`ALTER TABLE messages DROP COLUMN changed_version`);
    await runner.query(`ALTER TABLE rooms DROP COLUMN change_version`);
  }
}
