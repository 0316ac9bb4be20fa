import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** Arbitrary constant shared by every Parley instance: the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = 7_361_221_004;

/**
 * Runs pending migrations exactly once even when many replicas start together: each takes a session-level
 * advisory lock first, so the others wait and then find nothing left to run.
 */
export async function runMigrationsExclusively(dataSource: DataSource, logger = new Logger('Migrations')): Promise<string[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const names = applied.map((migration) => migration.name);
    if (names.length > 0) logger.log(`Applied migrations: ${names.join(', ')}`);
    return names;
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockRunner.release();
  }
}
