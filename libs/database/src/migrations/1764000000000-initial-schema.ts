import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username varchar(32) NOT NULL,
        display_name varchar(64) NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE UNIQUE INDEX users_username_lower_uq ON users (lower(username))`);
    // Prefix search (`LIKE 'abc%'`) needs pattern-ops indexes whatever the database collation is.
    await runner.query(`CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops)`);
    await runner.query(`CREATE INDEX users_display_name_prefix_idx ON users (lower(display_name) text_pattern_ops)`);

    await runner.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    await runner.query(`CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at)`);

    await runner.query(`
      CREATE TABLE rooms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(64) NOT NULL,
        description varchar(500) NOT NULL DEFAULT '',
        visibility varchar(16) NOT NULL CHECK (visibility IN ('public', 'private')),
        kind varchar(16) NOT NULL CHECK (kind IN ('group', 'direct')),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seq bigint NOT NULL DEFAULT 0,
        dm_key varchar(80) UNIQUE
      )`);
    await runner.query(`CREATE UNIQUE INDEX rooms_group_name_lower_uq ON rooms (lower(name)) WHERE kind = 'group'`);
    await runner.query(`CREATE INDEX rooms_created_at_idx ON rooms (created_at, id)`);

    await runner.query(`
      CREATE TABLE memberships (
        room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role varchar(16) NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        joined_at timestamptz NOT NULL DEFAULT now(),
        last_read_seq bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (room_id, user_id)
      )`);
    await runner.query(`CREATE INDEX memberships_user_idx ON memberships (user_id)`);

    await runner.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        author_id uuid NOT NULL REFERENCES users(id),
        content text NOT NULL,
        client_msg_id varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        edited_at timestamptz,
        deleted_at timestamptz,
        CONSTRAINT messages_room_seq_uq UNIQUE (room_id, seq)
      )`);
    // (room_id, seq) unique index serves every history page by index range scan, whatever the room size.
    await runner.query(
      `CREATE UNIQUE INDEX messages_client_msg_id_uq ON messages (room_id, author_id, client_msg_id) WHERE client_msg_id IS NOT NULL`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE messages');
    await runner.query('DROP TABLE memberships');
    await runner.query('DROP TABLE rooms');
    await runner.query('DROP TABLE refresh_tokens');
    await runner.query('DROP TABLE users');
  }
}
