import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__PARLEY_TEST_REDIS__?.stop();
  const handle = globalThis.__PARLEY_TEST_PG__;
  if (!handle) return;
  await handle.db.stop();
  rmSync(handle.dataDir, { recursive: true, force: true });
}
