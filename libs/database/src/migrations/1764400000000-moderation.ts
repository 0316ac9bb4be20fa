import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Moderation (docs/moderation.md): a `moderator` room role; mutes and bans with an expiry decided by the
 * database clock when they are given (`until` = now() + duration, 'infinity' for good), so they hold across
 * restarts and instances; message reports; and an append-only audit log of every moderation and admin action
 * (a trigger refuses UPDATE, DELETE and TRUNCATE; no foreign keys, so entries outlive what they name).
 */
export class Moderation1764400000000 implements MigrationInterface {
  name = 'Moderation1764400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE memberships DROP CONSTRAINT memberships_role_check`);
    await runner.query(`ALTER TABLE memberships ADD CONSTRAINT memberships_role_check CHECK (role IN ('owner', 'admin', 'moderator', 'member'))`);
    await runner.query(`
      CREATE TABLE room_sanctions (
        room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind varchar(8) NOT NULL CHECK (kind IN ('mute', 'ban')),
        until timestamptz NOT NULL,
        reason text NOT NULL DEFAULT '',
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, user_id, kind)
      )`);
    await runner.query(`
      CREATE TABLE message_reports (
        id bigserial PRIMARY KEY,
        message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        reporter_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        reason text NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_by uuid REFERENCES users(id) ON DELETE SET NULL,
        resolved_at timestamptz,
        UNIQUE (message_id, reporter_id)
      )`);
    await runner.query(`CREATE INDEX message_reports_status_idx ON message_reports (status, id)`);
    await runner.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid,
        action varchar(48) NOT NULL,
        room_id uuid,
        target_user_id uuid,
        message_id uuid,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await runner.query(`CREATE INDEX audit_log_room_idx ON audit_log (room_id, id) WHERE room_id IS NOT NULL`);
    await runner.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await runner.query(`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await runner.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE audit_log`);
    await runner.query(`DROP FUNCTION audit_log_append_only()`);
    await runner.query(`DROP TABLE message_reports`);
    await runner.query(`DROP TABLE room_sanctions`);
    await runner.query(`UPDATE memberships SET role = 'member' WHERE role = 'moderator'`);
    await runner.query(`ALTER TABLE memberships DROP CONSTRAINT memberships_role_check`);
    await runner.query(`ALTER TABLE memberships ADD CONSTRAINT memberships_role_check CHECK (role IN ('owner', 'admin', 'member'))`);
  }
}
