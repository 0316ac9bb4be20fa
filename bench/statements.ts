/**
 * `npm run bench:statements`: what PostgreSQL spends per stored message on the send statement of each design
 * weighed in docs/architecture.md, in isolation: one connection writing batches back to back, an embedded
 * PostgreSQL with production settings (fsync on), 80 rooms of 5 members. For each design and batch size it
 * prints PostgreSQL's CPU time (its whole process tree, user + system, from /proc) and WAL bytes per message.
 *
 *   - shared writers: any instance writes any room; seqs come from the room row, locked and updated per batch,
 *     and the statement returns the whole message (Parley until 2026-12);
 *   - one writer: the shard's writer numbers the messages itself; the statement share-locks the shard's
 *     fencing row, inserts, and moves the authors' read markers (SEND_STATEMENT, what Parley runs now);
 *   - one writer + search: the same statement with the full-text index of message search (migration
 *     1764500000000: a GIN expression index, fastupdate on, over an unaccent text search configuration), whose
 *     pending list is merged into the index inside the measured window (its cost belongs to these messages);
 *   - one writer + rich: plain text items through RICH_SEND_STATEMENT, the statement of batches with system
 *     messages, replies or attachments (what one send statement for every batch would cost plain text);
 *   - commit only: one small row per batch, whatever its size: the round trip and durable commit every design
 *     pays per batch, i.e. the floor under the others.
 *
 * Messages are 100 characters of words (some accented), as a chat line would be.
 *
 *   npm run bench:statements -- [--batches N] [--sizes 1,4,16] [--variants one-writer,one-writer+search,one-writer+rich,commit-only]
 */
import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../libs/database/src';
import { RICH_SEND_STATEMENT, SEND_STATEMENT } from '../libs/messages/src/messages.repository';
import { SEND_SESSION_SETTINGS } from '../libs/messages/src/send-pool';
import { freePort } from '../tools/ports';
import { postmasterPid, readServerCpu } from './server-cpu';

const ROOMS = 80;
const MEMBERS = 5;
const PRELOADED_PER_ROOM = 500;
const SHARD = 0;

const SCHEMA = (variant: Variant): string => `
  CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), username text NOT NULL, display_name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE rooms (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, last_seq bigint NOT NULL DEFAULT 0);
  CREATE TABLE memberships (room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_read_seq bigint NOT NULL DEFAULT 0, notifications_muted boolean NOT NULL DEFAULT false, PRIMARY KEY (room_id, user_id));
  CREATE TABLE room_sanctions (room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE, user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind varchar(8) NOT NULL, until timestamptz NOT NULL, PRIMARY KEY (room_id, user_id, kind));
  ${variant === 'shared-writers' ? 'CREATE INDEX memberships_user_idx ON memberships (user_id);' : 'CREATE UNIQUE INDEX memberships_user_room_uq ON memberships (user_id, room_id);'}
  CREATE TABLE messages (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE, seq bigint NOT NULL,
    author_id uuid NOT NULL REFERENCES users(id), content text NOT NULL, client_msg_id varchar(64), created_at timestamptz NOT NULL DEFAULT now(),
    edited_at timestamptz, deleted_at timestamptz, CONSTRAINT messages_room_seq_uq UNIQUE (room_id, seq));
  CREATE UNIQUE INDEX messages_client_msg_id_uq ON messages (room_id, author_id, client_msg_id) WHERE client_msg_id IS NOT NULL;
  CREATE TABLE writer_shards (shard integer PRIMARY KEY, epoch bigint NOT NULL);
  INSERT INTO writer_shards VALUES (${SHARD}, 1);
  ${variant === 'one-writer+search' ? SEARCH_SCHEMA : ''}
  ${variant === 'one-writer+rich' ? RICH_SCHEMA : ''}
  ${variant === 'commit-only' ? 'CREATE TABLE commits (id bigserial PRIMARY KEY, n integer NOT NULL);' : ''}`;

/** What RICH_SEND_STATEMENT reads and writes beyond the plain statement (migrations 1764…–1765400000000). */
const RICH_SCHEMA = `
  ALTER TABLE users ADD COLUMN deleted_at timestamptz;
  ALTER TABLE rooms ADD COLUMN change_version bigint NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN changed_version bigint NOT NULL DEFAULT 0, ADD COLUMN type text NOT NULL DEFAULT 'text', ADD COLUMN event jsonb,
    ADD COLUMN reply_to_id uuid REFERENCES messages (id) ON DELETE SET NULL, ADD COLUMN reply_to jsonb,
    ADD COLUMN thread_id uuid REFERENCES messages (id) ON DELETE SET NULL, ADD COLUMN reply_count integer NOT NULL DEFAULT 0, ADD COLUMN attachments jsonb;
  CREATE TABLE attachments (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), room_id uuid REFERENCES rooms(id) ON DELETE SET NULL,
    uploader_id uuid NOT NULL REFERENCES users(id), message_id uuid REFERENCES messages(id) ON DELETE SET NULL, message_position smallint,
    stored_at timestamptz);`;

/** Message search's index, as migration 1764500000000 creates it (with SEARCH_LANGUAGE=simple). */
const SEARCH_SCHEMA = `
  CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
  CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public;
  CREATE TEXT SEARCH CONFIGURATION parley_search (COPY = pg_catalog.simple);
  ALTER TEXT SEARCH CONFIGURATION parley_search ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.simple;
  CREATE INDEX messages_search_idx ON messages USING gin (room_id, to_tsvector('parley_search'::regconfig, content)) WITH (fastupdate = on) WHERE deleted_at IS NULL;`;

const WORDS = ['hello', 'café', 'meeting', 'tomorrow', 'déjà', 'release', 'the', 'build', 'is', 'green', 'naïve', 'question', 'about',
  'deploy', 'señor', 'lunch', 'at', 'noon', 'ticket', 'review', 'and', 'merge', 'Zürich', 'office', 'coffee', 'later', 'today', 'thanks'];

/** About 100 characters of words, different for each n. */
function chatLine(n: number): string {
  let line = '';
  for (let i = 0; line.length < 100; i++) line += `${WORDS[(n * 7 + i * 11 + i * i) % WORDS.length] as string} `;
  return line.slice(0, 100).trim();
}

/** The send statement before this design (libs/messages, 2026-11): row lock and update per room, markers, members, the whole message. */
const SHARED_WRITERS = `
  WITH input AS (
         SELECT i.ord, i.room_id, i.author_id, i.content, i.client_msg_id, gen_random_uuid() AS id
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS i(room_id, author_id, content, client_msg_id, ord)),
       checked AS (
         SELECT input.*,
                (SELECT true FROM memberships m WHERE m.room_id = input.room_id AND m.user_id = input.author_id LIMIT 1) IS NOT NULL AS member,
                input.client_msg_id IS NOT NULL AND (
                  row_number() OVER (PARTITION BY input.room_id, input.author_id, input.client_msg_id ORDER BY input.ord) > 1
                  OR (SELECT true FROM messages x
                      WHERE x.room_id = input.room_id AND x.author_id = input.author_id AND x.client_msg_id = input.client_msg_id
                      LIMIT 1) IS NOT NULL
                ) AS duplicate
         FROM input),
       accepted AS (SELECT checked.*, row_number() OVER (PARTITION BY room_id ORDER BY ord) AS rank FROM checked WHERE member AND NOT duplicate),
       counts AS (SELECT room_id, count(*) AS n FROM accepted GROUP BY room_id),
       locked AS MATERIALIZED (SELECT r.id FROM rooms r WHERE r.id IN (SELECT room_id FROM counts) ORDER BY r.id FOR NO KEY UPDATE),
       next AS (
         UPDATE rooms r SET last_seq = r.last_seq + counts.n FROM counts JOIN locked ON locked.id = counts.room_id
         WHERE r.id = counts.room_id RETURNING r.id AS room_id, r.last_seq - counts.n AS base),
       numbered AS (
         SELECT a.ord, a.id, a.room_id, a.author_id, a.content, a.client_msg_id, next.base + a.rank AS seq, a.rank
         FROM accepted a JOIN next ON next.room_id = a.room_id),
       msg AS (INSERT INTO messages (id, room_id, seq, author_id, content, client_msg_id) SELECT id, room_id, seq, author_id, content, client_msg_id FROM numbered),
       seen AS (
         UPDATE memberships m SET last_read_seq = newest.seq
         FROM (SELECT room_id, author_id, max(seq) AS seq FROM numbered GROUP BY room_id, author_id) newest
         WHERE m.room_id = newest.room_id AND m.user_id = newest.author_id AND m.last_read_seq < newest.seq)
  SELECT c.ord, c.member, c.duplicate, n.id, n.room_id, n.seq, n.content, n.client_msg_id, CASE WHEN n.seq IS NOT NULL THEN now() END AS created_at,
         u.id AS author_id, u.username AS author_username, u.display_name AS author_display_name, u.created_at AS author_created_at,
         CASE WHEN n.rank = 1 THEN array(SELECT user_id FROM memberships WHERE room_id = n.room_id) END AS member_ids
  FROM checked c LEFT JOIN numbered n ON n.ord = c.ord
  LEFT JOIN LATERAL (SELECT * FROM users WHERE users.id = n.author_id LIMIT 1) u ON true
  ORDER BY c.ord`;

type Variant = 'shared-writers' | 'one-writer' | 'one-writer+search' | 'one-writer+rich' | 'commit-only';
const VARIANTS: readonly Variant[] = ['shared-writers', 'one-writer', 'one-writer+search', 'one-writer+rich', 'commit-only'];

interface Figures {
  variant: Variant;
  batch: number;
  cpuUsPerMessage: number;
  walBytesPerMessage: number;
  msPerBatch: number;
}

async function measure(client: Client, postmaster: number, variant: Variant, batch: number, batches: number): Promise<Figures> {
  await client.query(`DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench; SET search_path = bench, public`);
  await client.query(SCHEMA(variant));
  const users = (await client.query<{ id: string }>(`INSERT INTO users (username, display_name) SELECT 'u' || g, 'U' || g FROM generate_series(1, ${ROOMS * MEMBERS}) g RETURNING id`)).rows.map((row) => row.id);
  const rooms = (await client.query<{ id: string }>(`INSERT INTO rooms (name) SELECT 'r' || g FROM generate_series(1, ${ROOMS}) g RETURNING id`)).rows.map((row) => row.id);
  const members = rooms.map((_, index) => users.slice(index * MEMBERS, index * MEMBERS + MEMBERS));
  await client.query(`INSERT INTO memberships (room_id, user_id) SELECT room_id, user_id FROM unnest($1::uuid[], $2::uuid[]) AS p(room_id, user_id)`, [
    members.flatMap((list, index) => list.map(() => rooms[index])),
    members.flat(),
  ]);
  await client.query(
    `INSERT INTO messages (room_id, seq, author_id, content, client_msg_id)
     SELECT r.id, g, (SELECT user_id FROM memberships WHERE room_id = r.id LIMIT 1), ($1::text[])[1 + g % 97], 'pre-' || g
     FROM rooms r, generate_series(1, ${PRELOADED_PER_ROOM}) g`,
    [Array.from({ length: 97 }, (_, n) => chatLine(n))],
  );
  await client.query(`UPDATE rooms SET last_seq = ${PRELOADED_PER_ROOM}`);
  await client.query('VACUUM ANALYZE');
  for (const [name, value] of Object.entries(SEND_SESSION_SETTINGS)) await client.query(`SET ${name} = ${value}`);
  const next = new Map(rooms.map((room) => [room, PRELOADED_PER_ROOM]));
  let counter = 0;
  const runBatch = async (): Promise<void> => {
    const items = Array.from({ length: batch }, (_, i) => {
      const index = (counter * 7 + i * 13) % ROOMS;
      return { room: rooms[index] as string, author: (members[index] as string[])[counter % MEMBERS] as string, clientMsgId: `c-${counter++}` };
    });
    const content = items.map((_, i) => chatLine(counter + i));
    if (variant === 'commit-only') {
      // The floor under any design that stores durably: one round trip and one commit of one small row per batch.
      await client.query({ name: 'commit-only', text: 'INSERT INTO commits (n) VALUES ($1)', values: [items.length] });
      return;
    }
    if (variant === 'shared-writers') {
      await client.query({ name: 'shared', text: SHARED_WRITERS, values: [items.map((i) => i.room), items.map((i) => i.author), content, items.map((i) => i.clientMsgId)] });
      return;
    }
    const bases = new Map<string, number>();
    for (const item of items) if (!bases.has(item.room)) bases.set(item.room, next.get(item.room) as number);
    const values: unknown[] = [items.map((i) => i.room), items.map((i) => i.author), content, items.map((i) => i.clientMsgId), items.map((i) => bases.get(i.room)), items.map(() => SHARD), items.map(() => 1)];
    // Plain text items through the statement for rich batches: what a single send statement would cost them.
    if (variant === 'one-writer+rich') values.push(items.map(() => 'text'), items.map(() => null), items.map(() => null), items.map(() => null));
    const rows = (await client.query<{ seq: number | null }>({ name: variant, text: variant === 'one-writer+rich' ? RICH_SEND_STATEMENT : SEND_STATEMENT, values })).rows;
    rows.forEach((row, i) => {
      if (row.seq !== null) next.set((items[i] as { room: string }).room, Number(row.seq));
    });
  };
  for (let i = 0; i < 200; i++) await runBatch(); // prepared, warm
  const mergeSearchPending = async (): Promise<void> => {
    if (variant === 'one-writer+search') await client.query(`SELECT gin_clean_pending_list('messages_search_idx'::regclass)`);
  };
  await mergeSearchPending();
  const wal = async (): Promise<bigint> => BigInt((await client.query<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn AS lsn`)).rows[0]?.lsn ?? '0');
  const walBefore = await wal();
  const cpuBefore = readServerCpu({ instances: [], postgres: postmaster }).postgres;
  const started = performance.now();
  for (let i = 0; i < batches; i++) await runBatch();
  await mergeSearchPending();
  const elapsed = performance.now() - started;
  const cpu = readServerCpu({ instances: [], postgres: postmaster }).postgres - cpuBefore;
  const walBytes = Number((await wal()) - walBefore);
  const messages = batches * batch;
  return { variant, batch, cpuUsPerMessage: Math.round((cpu * 1000) / messages), walBytesPerMessage: Math.round(walBytes / messages), msPerBatch: Math.round((elapsed / batches) * 100) / 100 };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string): string | undefined => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const batches = Number(value('--batches') ?? 3000);
  const sizes = (value('--sizes') ?? '1,4,16').split(',').map(Number);
  const variants = (value('--variants')?.split(',') ?? VARIANTS).map((name) => {
    if (!VARIANTS.includes(name as Variant)) throw new Error(`--variants: unknown ${name} (${VARIANTS.join(', ')})`);
    return name as Variant;
  });
  Logger.overrideLogger(['error', 'warn']);
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-statements-'));
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), databaseName: 'statements', settings: process.env.STATEMENTS_PG_SETTINGS ? (JSON.parse(process.env.STATEMENTS_PG_SETTINGS) as Record<string, string>) : {} });
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const postmaster = postmasterPid(join(dataDir, 'pg'));
    if (postmaster === undefined) throw new Error('no postmaster pid');
    const results: Figures[] = [];
    // Interleaved, twice: a spell of the shared machine falls on every design.
    for (let round = 0; round < 2; round++) {
      for (const batch of sizes) {
        for (const variant of variants) {
          const figures = await measure(client, postmaster, variant, batch, Math.ceil(batches / batch));
          results.push(figures);
          console.log(`[statements] ${variant.padEnd(17)} batch ${String(batch).padStart(2)}: ${figures.cpuUsPerMessage} µs CPU, ${figures.walBytesPerMessage} WAL bytes per message, ${figures.msPerBatch} ms per batch`);
        }
      }
    }
    console.log('\n| batch | design | PostgreSQL CPU µs / message | WAL bytes / message | ms / batch |\n|---:|---|---:|---:|---:|');
    for (const batch of sizes) {
      for (const variant of variants) {
        const runs = results.filter((r) => r.variant === variant && r.batch === batch);
        const range = (pick: (r: Figures) => number): string => `${Math.min(...runs.map(pick))}–${Math.max(...runs.map(pick))}`;
        console.log(`| ${batch} | ${variant} | ${range((r) => r.cpuUsPerMessage)} | ${range((r) => r.walBytesPerMessage)} | ${range((r) => r.msPerBatch)} |`);
      }
    }
  } finally {
    await client.end();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('[statements] failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
