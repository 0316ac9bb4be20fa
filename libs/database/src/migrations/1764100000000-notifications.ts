import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1764100000000 implements MigrationInterface {
  name = 'Notifications1764100000000';

  async up(runner: QueryRunner): Promise<void> {
    // Per-user counter: ids are allocated under the user's row lock, so they commit in id order and a
    // reader resuming "after n" can never miss one that commits later with a smaller id.
    await runner.query(`ALTER TABLE users ADD COLUMN last_notification_id bigint NOT NULL DEFAULT 0`);
    await runner.query(`
      CREATE TABLE notifications (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        id bigint NOT NULL,
        type varchar(32) NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz,
        PRIMARY KEY (user_id, id)
      )`);
    await runner.query(`CREATE INDEX notifications_unread_idx ON notifications (user_id, id) WHERE read_at IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE notifications');
    await runner.query('ALTER TABLE users DROP COLUMN last_notification_id');
  }
}
