import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People (docs/api-contract.md §10): blocks, contacts, and each user's chosen status, status text and last
 * seen time. Whether a user is connected (online) lives in Redis, not here.
 */
export class People1764600000000 implements MigrationInterface {
  name = 'People1764600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE user_blocks (
        blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (blocker_id, blocked_id),
        CHECK (blocker_id <> blocked_id)
      )`);
    // "Who blocked X" (notifications, typing, DM and room checks) reads by the blocked user.
    await runner.query(`CREATE INDEX user_blocks_blocked_idx ON user_blocks (blocked_id)`);
    await runner.query(`
      CREATE TABLE contacts (
        owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner_id, contact_id),
        CHECK (owner_id <> contact_id)
      )`);
    await runner.query(`
      CREATE TABLE user_statuses (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        chosen text NOT NULL DEFAULT 'online' CHECK (chosen IN ('online', 'away', 'busy')),
        -- 100 characters as the API counts them (variation selectors not counted), so PostgreSQL's count may be higher.
        status_text text CHECK (char_length(status_text) BETWEEN 1 AND 200),
        last_seen_at timestamptz
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE user_statuses`);
    await runner.query(`DROP TABLE contacts`);
    await runner.query(`DROP TABLE user_blocks`);
  }
}
