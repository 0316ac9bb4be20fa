import { DataSource } from 'typeorm';
import type { RunningServer } from '../../apps/server/src/server';
import { shardOf } from '../../libs/messages/src/writer-leases';
import { eventually } from './client';

/**
 * Holds a room's writer shard row in a transaction of the test's own (it conflicts with the send statement's
 * share lock): the room's sends wait in their statement, uncommitted, until `release()` (idempotent).
 */
export async function holdWriterShard(server: RunningServer, roomId: string): Promise<{ release(): Promise<void> }> {
  const runner = server.app.get(DataSource).createQueryRunner();
  await runner.connect();
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  };
  try {
    await runner.startTransaction();
    await runner.query(`SELECT 1 FROM writer_shards WHERE shard = $1 FOR UPDATE`, [shardOf(roomId, server.config.writerShards)]);
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

/** Resolves once a send statement is waiting on a lock (a test holds the writer shard's row). */
export function sendStatementWaitingOnLock(db: DataSource): Promise<void> {
  return eventually(
    async () => (await db.query<unknown[]>(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'parley-send%' AND wait_event_type = 'Lock'`)).length > 0,
    5000,
    'the send statement to wait for the shard',
  );
}

