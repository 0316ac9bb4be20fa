import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@parley/config';
import { parleyTypeParser } from '@parley/database';
import { Pool, types, type CustomTypesConfig, type QueryResultRow } from 'pg';

type TextParser = (value: string) => unknown;
const keepText = (text: string): string => text;
const TIMESTAMPTZ_OID: number = types.builtins.TIMESTAMPTZ;

/**
 * The send pool's rows keep `timestamptz` as PostgreSQL's text: parsing every row's timestamp into a `Date`
 * and formatting it back took 3 % of an instance's busy time in the closed loop, and the values repeat (all
 * rows of a batch share their commit's created_at). Every other type is parsed as in Parley's other pools.
 */
export function sendPoolTypeParser(oid: number, format: 'text' | 'binary' = 'text'): TextParser {
  return oid === TIMESTAMPTZ_OID ? keepText : parleyTypeParser(oid, format);
}

const SEND_POOL_TYPES: CustomTypesConfig = { getTypeParser: sendPoolTypeParser as CustomTypesConfig['getTypeParser'] };

/**
 * Session settings of the send pool, which runs only the send statement. It is planned once per connection
 * (a generic plan), often while tables are still small (a fresh deployment), and that plan is kept as they
 * grow. A batch touches a few rows per item, so the only good plan probes indexes per item: a scan, or a
 * hash join with a table, would read a whole table on every batch.
 */
export const SEND_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  plan_cache_mode: 'force_generic_plan',
  enable_seqscan: 'off',
  enable_hashjoin: 'off',
};

/** libpq `options`: settings applied to every session the pool opens. */
function sessionOptions(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
}

/**
 * The writer's own connection to PostgreSQL, for the send statement only: one, because the writer has one
 * batch in flight (sends queue behind it and share the next statement). Its sessions always use generic
 * plans (SEND_SESSION_SETTINGS); the shared TypeORM pool keeps custom plans for the history queries, whose
 * best plan depends on their parameters.
 */
@Injectable()
export class SendPool implements OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(config: AppConfig) {
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: 1,
      connectionTimeoutMillis: 5000,
      application_name: `parley-send:${config.instanceId}`.slice(0, 63),
      options: sessionOptions(SEND_SESSION_SETTINGS),
      types: SEND_POOL_TYPES,
    });
    // An idle connection's error (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** A named (prepared once per connection) statement. */
  async run<Row extends QueryResultRow>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    return (await this.pool.query<Row>({ name, text, values })).rows;
  }

  /** After the writer drained its batches (beforeApplicationShutdown), nothing uses the pool. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
