import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@parley/config';
import { types } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseOutageMonitor } from './database-outage.monitor';
import { runMigrationsExclusively } from './migrate';
import { MIGRATIONS } from './migrations';

// seq, last_seq and COUNT(*) are bigint; JavaScript numbers hold them exactly up to 2^53.
types.setTypeParser(types.builtins.INT8, (value: string) => Number(value));

@Injectable()
class MigrationsOnBoot implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await runMigrationsExclusively(this.dataSource);
  }
}

/** PostgreSQL through TypeORM; the URL is resolved before boot (external or embedded). */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        type: 'postgres' as const,
        url: config.databaseUrl,
        autoLoadEntities: true,
        synchronize: false,
        migrationsRun: false,
        migrations: MIGRATIONS,
        // Failed queries surface as errors where they matter; TypeORM's own logging would print parameters.
        logging: false,
        extra: { max: 20, connectionTimeoutMillis: 5000, application_name: `parley:${config.instanceId}` },
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [MigrationsOnBoot, DatabaseOutageMonitor],
})
export class DatabaseModule {}
