import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  ContextLogger,
  HttpExceptionFilter,
  REQUEST_ID_HEADER,
  requestIdMiddleware,
  sendError,
  ValidationPipe,
} from '@parley/common';
import { loadConfig, type AppConfig } from '@parley/config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@parley/database';
import { createRedisAdapterFactory, ParleyIoAdapter } from '@parley/realtime';
import { RedisConnections } from '@parley/redis';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppModule } from './app.module';

export interface RunningServer {
  app: INestApplication;
  config: AppConfig;
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  /** Graceful: refuse new work, flush sends, close sockets, stop the embedded database. Idempotent. */
  close(): Promise<void>;
}

/** The built web client if present, else the bundled placeholder page. */
function findWebRoot(): string | undefined {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    for (const candidate of ['apps/web/dist', 'apps/web/public']) {
      if (existsSync(join(dir, candidate, 'index.html'))) return join(dir, candidate);
    }
  }
  return undefined;
}

function buildOpenApiDocument(app: INestApplication): ReturnType<typeof SwaggerModule.createDocument> {
  const options = new DocumentBuilder()
    .setTitle('Parley API')
    .setDescription(
      'REST API of Parley, a horizontally scalable realtime chat backend. Every error has the body ' +
        '`{ statusCode, code, message, details?, requestId? }` with a machine code; every response has an `X-Request-Id` header. Realtime events (Socket.IO at `/socket.io`) ' +
        'are documented in docs/protocol.md.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  return SwaggerModule.createDocument(app, options);
}

/** Everything an instance needs around the Nest modules: limits, errors, validation, docs, static client. */
function configureApp(app: NestExpressApplication, config: AppConfig, redis?: RedisConnections): void {
  const logger = new Logger('HTTP');
  // The client address (per-IP limits) is the one a trusted proxy forwarded, never one a client wrote itself.
  app.set('trust proxy', (address: string) => config.trustedProxies.includes(address));
  // First, so every response (errors of body parsing included) carries X-Request-Id.
  app.use(requestIdMiddleware(config.trustedProxies));
  app.disable('x-powered-by');
  app.enableCors({ origin: config.corsOrigins, credentials: true, exposedHeaders: [REQUEST_ID_HEADER] });
  app.useBodyParser('json', { limit: config.httpBodyLimitBytes });
  // Body-parser errors (too large, malformed JSON) happen before Nest's routing: answer them the same way.
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => sendError(response, error, logger));
  app.setGlobalPrefix('api', { exclude: ['metrics'] });
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(new ValidationPipe());
  // Parley's Socket.IO server (limits, fast paths); with Redis, room events cross instances by the sharded adapter.
  app.useWebSocketAdapter(new ParleyIoAdapter(app, config, redis ? createRedisAdapterFactory(redis) : undefined));
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  const webRoot = findWebRoot();
  if (webRoot) app.useStaticAssets(webRoot, { index: 'index.html', maxAge: '1h' });
}

/**
 * Boots one Parley instance from an environment. With no DATABASE_URL an embedded PostgreSQL is started
 * under PARLEY_DATA_DIR first. Used by main.ts and, in-process, by the e2e tests.
 */
export async function startServer(env: Record<string, string | undefined> = process.env): Promise<RunningServer> {
  const config = loadConfig(env);
  Logger.overrideLogger(config.logLevels);
  // Log lines written while handling a request or socket event carry its id.
  const logger = new ContextLogger({ logLevels: config.logLevels });
  Logger.overrideLogger(logger);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort });
    config.databaseUrl = embedded.url;
  }
  let redis: RedisConnections | undefined;
  let app: NestExpressApplication;
  try {
    if (config.redisUrl) {
      redis = new RedisConnections(config.redisUrl, config.instanceId, config.redisPrefix, { corkSendPath: config.transportFastPaths });
      await redis.connect(5000);
    }
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, redis), {
      bodyParser: false,
      logger,
      abortOnError: false,
    });
    configureApp(app, config, redis);
    await app.listen(config.port, config.host);
  } catch (error) {
    await redis?.close();
    await embedded?.stop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      (closing ??= (async () => {
        try {
          await app.close();
        } finally {
          await embedded?.stop();
        }
      })()),
  };
}
