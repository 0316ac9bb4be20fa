import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One writer per room (docs/architecture.md): rooms are grouped in writer shards, each written by one
 * instance at a time, which numbers its rooms' messages itself. A shard's fencing epoch (`writer_shards`) is
 * checked by every send statement, so a replaced writer can never store again. The room row no longer carries
 * the last seq (it is its newest message's, read from the (room_id, seq) index): no room row is updated per
 * message.
 *
 * A user's memberships are indexed by (user_id, room_id) instead of user_id alone: the send statement's
 * membership probe, planned generically, chose the one-column index and filtered all of the author's rooms.
 */
export class RoomWriters1764200000000 implements MigrationInterface {
  name = 'RoomWriters1764200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE writer_shards (shard integer PRIMARY KEY, epoch bigint NOT NULL)`);
    await runner.query(`ALTER TABLE rooms DROP COLUMN last_seq`);
    await runner.query(`DROP INDEX memberships_user_idx`);
    await runner.query(`CREATE UNIQUE INDEX memberships_user_room_uq ON memberships (user_id, room_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX memberships_user_room_uq`);
    await runner.query(`CREATE INDEX memberships_user_idx ON memberships (user_id)`);
    await runner.query(`ALTER TABLE rooms ADD COLUMN last_seq bigint NOT NULL DEFAULT 0`);
    await runner.query(`UPDATE rooms r SET last_seq = coalesce((SELECT max(seq) FROM messages m WHERE m.room_id = r.id), 0)`);
    await runner.query(`DROP TABLE writer_shards`);
  }
}
