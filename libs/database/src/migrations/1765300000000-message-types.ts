import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message types, system messages and replies (contract §1, §4):
 * - `type`: `text` (every message before this migration) or `system` (a membership or room change, written by
 *   the room's writer like any message); later versions add others, so it is text, not an enum.
 * - `event`: a system message's structured payload (`{kind, actorId, targetId?, role?, from?, to?}`).
 * - `reply_to_id`, `reply_to`: the message a reply quotes and the snapshot of it taken at send time;
 *   `thread_id`: the thread's root (threads are flat: a reply to a reply joins its root's thread), indexed for
 *   paging a thread; `reply_count`: replies in the thread, on the root, moved by the send statement itself.
 * - a partial index of system messages, so that the unread counts that leave them out cost one short probe.
 */
export class MessageTypes1765300000000 implements MigrationInterface {
  name = 'MessageTypes1765300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE messages
        ADD COLUMN type text NOT NULL DEFAULT 'text',
        ADD COLUMN event jsonb,
        ADD COLUMN reply_to_id uuid REFERENCES messages (id) ON DELETE SET NULL,
        ADD COLUMN reply_to jsonb,
        ADD COLUMN thread_id uuid REFERENCES messages (id) ON DELETE SET NULL,
        ADD COLUMN reply_count integer NOT NULL DEFAULT 0`);
    await runner.query(`CREATE INDEX messages_thread_idx ON messages (thread_id, seq) WHERE thread_id IS NOT NULL`);
    await runner.query(`CREATE INDEX messages_system_idx ON messages (room_id, seq) WHERE type = 'system'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX messages_system_idx`);
    await runner.query(`DROP INDEX messages_thread_idx`);
    await runner.query(`ALTER TABLE messages DROP COLUMN reply_count, DROP COLUMN thread_id, DROP COLUMN reply_to, DROP COLUMN reply_to_id, DROP COLUMN event, DROP COLUMN type`);
  }
}
