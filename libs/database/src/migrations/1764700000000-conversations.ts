import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The conversation list (contract §3a) and group DMs:
 * - per member: `notifications_muted` (no notifications from that conversation; not the moderators' mute,
 *   which lives in room_sanctions) and `archived_seq` (archived while the room's newest seq is at or below it,
 *   so the next message shows it again without any write on the send path);
 * - the `group_dm` room kind (2–8 other people, no name, keyed by its set of members in dm_key);
 * - the unread mentions of a conversation are counted from the stored `mention` notifications: an index on
 *   (user, room, seq) of those.
 */
export class Conversations1764700000000 implements MigrationInterface {
  name = 'Conversations1764700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE memberships ADD COLUMN notifications_muted boolean NOT NULL DEFAULT false`);
    await runner.query(`ALTER TABLE memberships ADD COLUMN archived_seq bigint`);
    await runner.query(`ALTER TABLE rooms DROP CONSTRAINT rooms_kind_check`);
    await runner.query(`ALTER TABLE rooms ADD CONSTRAINT rooms_kind_check CHECK (kind IN ('group', 'direct', 'group_dm'))`);
    await runner.query(
      `CREATE INDEX notifications_mentions_idx ON notifications (user_id, ((data->>'roomId')::uuid), ((data->>'seq')::bigint)) WHERE type = 'mention'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX notifications_mentions_idx`);
    await runner.query(`DELETE FROM rooms WHERE kind = 'group_dm'`);
    await runner.query(`ALTER TABLE rooms DROP CONSTRAINT rooms_kind_check`);
    await runner.query(`ALTER TABLE rooms ADD CONSTRAINT rooms_kind_check CHECK (kind IN ('group', 'direct'))`);
    await runner.query(`ALTER TABLE memberships DROP COLUMN archived_seq`);
    await runner.query(`ALTER TABLE memberships DROP COLUMN notifications_muted`);
  }
}
