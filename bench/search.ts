/**
 * `npm run bench:search`: message search latency over a large corpus, in isolation (embedded PostgreSQL, the
 * app's migrations, the search module's own SQL through SearchRepository): p50 and p99 per kind of query, for a
 * user in a few rooms and for one in many.
 *
 * The corpus: `--messages` (1 000 000) messages of 12 words in 1000 rooms, words drawn from a 5000-word
 * vocabulary with a long tail (word n about as likely as 1/n: `word1` is in most messages, `word3000` in a few
 * hundred), written straight into PostgreSQL, the index built in bulk afterwards.
 *
 *   npm run bench:search -- [--messages N] [--runs N] [--explain]
 */
import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS, PARLEY_PG_TYPES, runMigrationsExclusively, startEmbeddedPostgres } from '../libs/database/src';
import { RANKED_MATCHES, SearchRepository, type SearchScope } from '../libs/search/src/search.repository';
import { freePort } from '../tools/ports';

const ROOMS = 1000;
const VOCABULARY = 5000;
const WORDS_PER_MESSAGE = 12;

interface Scenario {
  name: string;
  q: string;
  /** Rooms the searching user is a member of (the scope without roomId), or one room. */
  scope: 'few' | 'many' | 'room';
}

const SCENARIOS: Scenario[] = [
  { name: 'rare word (≈400 hits in 1M)', q: 'word3000', scope: 'few' },
  { name: 'medium word (≈3 % of messages)', q: 'word50', scope: 'few' },
  { name: 'common word (most messages)', q: 'word1', scope: 'few' },
  { name: 'two words', q: 'word50 word60', scope: 'few' },
  { name: 'phrase', q: '"word2 word3"', scope: 'few' },
  { name: 'medium word, many rooms', q: 'word50', scope: 'many' },
  { name: 'common word, many rooms', q: 'word1', scope: 'many' },
  { name: 'medium word, one room', q: 'word50', scope: 'room' },
];

/** EXPLAIN ANALYZE of the hits part of the search statement (the newest matches, ranked; no snippets). */
async function printPlan(dataSource: DataSource, q: string, scopeId: string, memberOf: boolean): Promise<void> {
  const rooms = memberOf ? '(SELECT ms.room_id FROM memberships ms WHERE ms.user_id = $1)' : '(SELECT $1::uuid AS room_id)';
  const document = `to_tsvector('parley_search'::regconfig, msg.content)`;
  const rows = await dataSource.query<Array<{ 'QUERY PLAN': string }>>(
    `EXPLAIN (ANALYZE, BUFFERS)
     WITH candidates AS MATERIALIZED (
       SELECT c.* FROM ${rooms} AS scope_rooms
       CROSS JOIN LATERAL (
         SELECT msg.id, msg.content, msg.created_at FROM messages msg
         WHERE msg.room_id = scope_rooms.room_id AND ${document} @@ websearch_to_tsquery('parley_search'::regconfig, $2) AND msg.deleted_at IS NULL
         ORDER BY msg.created_at DESC LIMIT ${RANKED_MATCHES}) c
       ORDER BY c.created_at DESC LIMIT ${RANKED_MATCHES})
     SELECT c.id, ts_rank_cd(to_tsvector('parley_search'::regconfig, c.content), websearch_to_tsquery('parley_search'::regconfig, $2), 1) AS rank
     FROM candidates c ORDER BY rank DESC, c.created_at DESC, c.id DESC LIMIT 21`,
    [scopeId, q],
  );
  console.log(rows.map((row) => `    ${row['QUERY PLAN']}`).join('\n'));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string): string | undefined => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const messages = Number(value('--messages') ?? 1_000_000);
  const runs = Number(value('--runs') ?? 40);
  const explain = argv.includes('--explain');
  Logger.overrideLogger(['error', 'warn']);
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-search-bench-'));
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), databaseName: 'search', settings: { maintenance_work_mem: '256MB' } });
  const dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, logging: false, extra: { max: 2, types: PARLEY_PG_TYPES } });
  try {
    await dataSource.initialize();
    await runMigrationsExclusively(dataSource, new Logger('Migrations'));
    const started = performance.now();
    await dataSource.query(`INSERT INTO users (username, display_name, password_hash) SELECT 'user' || g, 'User ' || g, 'x' FROM generate_series(1, 200) g`);
    await dataSource.query(`INSERT INTO rooms (name, visibility, kind) SELECT 'room' || g, 'public', 'group' FROM generate_series(1, ${ROOMS}) g`);
    // user1: 20 rooms (2 % of the corpus); user2: 200 rooms (20 %); everyone else a few, as authors.
    await dataSource.query(`
      INSERT INTO memberships (room_id, user_id, role)
      SELECT r.id, u.id, 'member' FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM rooms) r, users u
      WHERE (u.username = 'user1' AND r.n % 50 = 0) OR (u.username = 'user2' AND r.n % 5 = 0)
         OR (u.username NOT IN ('user1', 'user2') AND r.n % 199 = (substr(u.username, 5)::int % 199))`);
    // Bulk load without the index, then build it at once (as a restore would), exactly as the migration did.
    const indexDefinition = (
      (await dataSource.query<Array<{ definition: string }>>(`SELECT pg_get_indexdef('messages_search_idx'::regclass) AS definition`))[0] as { definition: string }
    ).definition;
    await dataSource.query(`DROP INDEX messages_search_idx`);
    const perRoom = Math.ceil(messages / ROOMS);
    await dataSource.query(
      `INSERT INTO messages (room_id, seq, author_id, content)
       SELECT r.id, g, (SELECT id FROM users ORDER BY id LIMIT 1),
              (SELECT string_agg('word' || floor(exp(random() * ln(${VOCABULARY})))::int, ' ') FROM generate_series(1, ${WORDS_PER_MESSAGE} + 0 * g))
       FROM rooms r, generate_series(1, ${perRoom}) g`,
    );
    await dataSource.query(indexDefinition);
    await dataSource.query('VACUUM ANALYZE');
    const count = Number((await dataSource.query<Array<{ n: string }>>('SELECT count(*) AS n FROM messages'))[0]?.n);
    console.log(`[search] corpus: ${count} messages in ${ROOMS} rooms, loaded and indexed in ${Math.round((performance.now() - started) / 1000)} s`);

    const repository = new SearchRepository(dataSource);
    const id = async (sql: string): Promise<string> => ((await dataSource.query<Array<{ id: string }>>(sql))[0] as { id: string }).id;
    const few = await id(`SELECT id FROM users WHERE username = 'user1'`);
    const many = await id(`SELECT id FROM users WHERE username = 'user2'`);
    const room = await id(`SELECT room_id AS id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.username = 'user1' LIMIT 1`);
    console.log('\n| query | scope | hits on page 1 | p50 ms | p99 ms |\n|---|---|---:|---:|---:|');
    for (const scenario of SCENARIOS) {
      const scope: SearchScope = scenario.scope === 'room' ? { roomId: room } : { memberOf: scenario.scope === 'few' ? few : many };
      const timings: number[] = [];
      let hits = 0;
      for (let run = 0; run < runs; run++) {
        const t0 = performance.now();
        // What the service does for a first page: the query's shape, then the page of 20 (+1).
        await repository.describeQuery(scenario.q);
        const rows = await repository.searchMessages({ scope, q: scenario.q, authorId: null, before: null, after: null, from: null, limit: 20 });
        timings.push(performance.now() - t0);
        hits = Math.min(rows.length, 20);
      }
      timings.sort((a, b) => a - b);
      if (explain) await printPlan(dataSource, scenario.q, 'memberOf' in scope ? scope.memberOf : scope.roomId, 'memberOf' in scope);
      const scopeText = scenario.scope === 'few' ? 'member of 20 rooms' : scenario.scope === 'many' ? 'member of 200 rooms' : 'roomId';
      console.log(`| ${scenario.name} (\`${scenario.q}\`) | ${scopeText} | ${hits} | ${percentile(timings, 0.5).toFixed(1)} | ${percentile(timings, 0.99).toFixed(1)} |`);
    }
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('[search] failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
