import 'reflect-metadata';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, ConfigModule, loadConfig, type AppConfig } from '@parley/config';
import { DatabaseModule, startEmbeddedPostgres, type EmbeddedDatabase } from '@parley/database';
import { AuditLog, AuditModule } from '@parley/audit';
import { UsersModule, UsersService } from '@parley/users';

const USAGE = 'Usage: npm run admin -- grant USERNAME | revoke USERNAME';

/** A refusal to report to the operator as it is (no stack). */
export class AdminCommandError extends Error {}

@Module({})
class AdminCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: AdminCliModule, imports: [ConfigModule.forRoot(config), DatabaseModule, UsersModule, AuditModule] };
  }
}

/**
 * `grant USERNAME` / `revoke USERNAME`: admin rights, for existing accounts only (a name nobody registered yet
 * cannot be claimed). Boots the configuration and the database (migrations included) like the server, from
 * the same environment. Returns what to print.
 */
export async function runAdminCommand(args: readonly string[], env: Record<string, string | undefined> = process.env): Promise<string> {
  const [action, username] = args;
  if (args.length !== 2 || (action !== 'grant' && action !== 'revoke') || !username) throw new AdminCommandError(USAGE);
  const config = loadConfig(env);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    // The embedded database's directory is used by one process at a time: stop the server first, or set DATABASE_URL.
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort });
    config.databaseUrl = embedded.url;
  }
  try {
    const app = await NestFactory.createApplicationContext(AdminCliModule.forRoot(config), { logger: config.logLevels, abortOnError: false });
    try {
      const userId = await app.get(UsersService).setAdmin(username, action === 'grant');
      if (userId === null) throw new AdminCommandError(`No account named "${username}": admin rights are granted to existing accounts only`);
      await app.get(AuditLog).record({ actorId: null, action: action === 'grant' ? 'admin.granted' : 'admin.revoked', targetUserId: userId, details: { via: 'npm run admin' } });
      return action === 'grant' ? `${username} is now an admin` : `${username} is no longer an admin`;
    } finally {
      await app.close();
    }
  } finally {
    await embedded?.stop();
  }
}

if (require.main === module) {
  runAdminCommand(process.argv.slice(2)).then(
    (message) => {
      console.log(message);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error instanceof AdminCommandError || error instanceof ConfigError ? error.message : `Failed: ${String(error)}`);
      process.exit(1);
    },
  );
}
