import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const handle = globalThis.__PARLEY_TEST_PG__;
  if (!handle) return;
  await handle.db.stop();
  rmSync(handle.dataDir, { recursive: true, force: true });
}
