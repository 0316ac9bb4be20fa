import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError } from '@parley/config';
import { startServer } from './server';

const REPEATED_SIGNAL_WINDOW_MS = 2000;

async function main(): Promise<void> {
  const logger = new Logger('Parley');
  const startedAt = Date.now();
  const server = await startServer(process.env);
  const base = `http://localhost:${server.port}`;
  logger.log(
    `Parley ${server.config.instanceId} ready in ${Date.now() - startedAt} ms\n` +
      `  API:        ${base}/api\n` +
      `  Swagger:    ${base}/docs\n` +
      `  Web client: ${base}/\n` +
      `  Database:   ${process.env.DATABASE_URL ? 'DATABASE_URL' : `embedded PostgreSQL in ${server.config.dataDir}`}\n` +
      `  Broadcast:  ${server.config.redisUrl ? 'Redis' : 'in-process (single instance)'}`,
  );

  // `kill -TERM -- -PGID` (systemd's KillMode=control-group, Ctrl-C in a terminal) reaches this process both
  // directly and through `npm start`: signals that close together are one request to stop. A later one forces it.
  let firstSignalAt: number | undefined;
  const shutdown = (signal: string): void => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < REPEATED_SIGNAL_WINDOW_MS) return;
      logger.warn(`${signal} again while shutting down: exiting now`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.log(`${signal} received: shutting down gracefully`);
    const force = setTimeout(() => {
      logger.error('Shutdown timed out; exiting');
      process.exit(1);
    }, server.config.shutdownTimeoutMs);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  // A library promise nobody awaited (e.g. a Redis command during an outage) must not take the instance down.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error(`Unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('Parley failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
