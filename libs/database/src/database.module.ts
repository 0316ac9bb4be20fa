import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@parley/config';
import { DataSource } from 'typeorm';
import { DatabaseOutageMonitor } from './database-outage.monitor';
import { runMigrationsExclusively } from './migrate';
import { MIGRATIONS } from './migrations';
import { PARLEY_PG_TYPES } from './postgres';

@Injectable()
class MigrationsOnBoot implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await runMigrationsExclusively(this.dataSource);
  }
}

/**
 * PostgreSQL through TypeORM: the connection pool and the migrations, nothing more (no entities: the
 * repositories write SQL; docs/architecture.md#persistence). The URL is resolved before boot (external or
 * embedded).
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        type: 'postgres' as const,
        url: config.databaseUrl,
        entities: [],
        synchronize: false,
        migrationsRun: false,
        migrations: MIGRATIONS,
        // Failed queries surface as errors where they matter; TypeORM's own logging would print parameters.
        logging: false,
        extra: { max: 20, connectionTimeoutMillis: 5000, application_name: `parley:${config.instanceId}`, types: PARLEY_PG_TYPES },
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [MigrationsOnBoot, DatabaseOutageMonitor],
})
export class DatabaseModule {}
