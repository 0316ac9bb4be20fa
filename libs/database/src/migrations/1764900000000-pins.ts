import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Pinned messages: a room's owner and admins pin up to 50 messages; a deleted message is unpinned with it. */
export class Pins1764900000000 implements MigrationInterface {
  name = 'Pins1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE message_pins (
        message_id uuid PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        pinned_by uuid REFERENCES users(id) ON DELETE SET NULL,
        pinned_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX message_pins_room_idx ON message_pins (room_id, pinned_at DESC)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE message_pins');
  }
}
