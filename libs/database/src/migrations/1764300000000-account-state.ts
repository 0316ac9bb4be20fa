import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account state (docs/api-contract.md §2): admins are granted explicitly to existing accounts (`npm run admin`),
 * a suspended account cannot sign in and its sessions end, a deleted account keeps its row (its messages and
 * memberships stay, shown as a deleted user) but can never sign in again.
 */
export class AccountState1764300000000 implements MigrationInterface {
  name = 'AccountState1764300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE users ADD COLUMN is_admin boolean NOT NULL DEFAULT false`);
    await runner.query(`ALTER TABLE users ADD COLUMN suspended_at timestamptz`);
    await runner.query(`ALTER TABLE users ADD COLUMN deleted_at timestamptz`);
    // Revoking every other session of a user (password change, suspension) finds them by user.
    await runner.query(`CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX refresh_tokens_user_idx`);
    await runner.query(`ALTER TABLE users DROP COLUMN deleted_at`);
    await runner.query(`ALTER TABLE users DROP COLUMN suspended_at`);
    await runner.query(`ALTER TABLE users DROP COLUMN is_admin`);
  }
}
