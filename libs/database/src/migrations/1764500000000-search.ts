import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search (docs/api-contract.md §9):
 * - messages: full text through `parley_search`, a text search configuration that strips accents (the
 *   `unaccent` dictionary before the language's), and a GIN index over the room and the text's lexemes,
 *   computed inside the send statement's insert, which stays as it is (its cost: docs/performance.md).
 *   Deleted messages are not indexed. `parley_search_use_language(name)` maps the configuration to one of PostgreSQL's
 *   languages; the server calls it at boot when SEARCH_LANGUAGE differs from `search_settings.language`, and
 *   rebuilds the index (libs/search).
 * - users and public rooms: substring matches on `parley_fold` (lower case, no accents) through trigram
 *   indexes (`pg_trgm`).
 * The three extensions (unaccent, pg_trgm, btree_gin) ship with PostgreSQL's contrib and are trusted from
 * PostgreSQL 13 on (the database owner may create them).
 */
export class Search1764500000000 implements MigrationInterface {
  name = 'Search1764500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await runner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await runner.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    // Wherever the extension lives (it may have been installed before, in another schema).
    const rows = (await runner.query(`SELECT quote_ident(n.nspname) AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'`)) as Array<{ schema: string }>;
    const unaccent = `${rows[0]?.schema ?? 'public'}.unaccent`;

    await runner.query(`CREATE TEXT SEARCH CONFIGURATION parley_search (COPY = pg_catalog.simple)`);
    await runner.query(`ALTER TEXT SEARCH CONFIGURATION parley_search ALTER MAPPING FOR hword, hword_part, word WITH ${unaccent}, pg_catalog.simple`);
    // Maps parley_search like pg_catalog.<language>, with the accents stripped before each word's dictionaries.
    // The caller rebuilds what depends on it (the messages index).
    await runner.query(`
      CREATE FUNCTION parley_search_use_language(target text) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        mapping record;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config c WHERE c.cfgname = target AND c.cfgnamespace = 'pg_catalog'::regnamespace) THEN
          RAISE EXCEPTION 'PostgreSQL has no text search configuration "%"', target;
        END IF;
        FOR mapping IN
          SELECT t.alias, string_agg(d.oid::regdictionary::text, ', ' ORDER BY m.mapseqno) AS dictionaries
          FROM pg_ts_config_map m
          JOIN ts_token_type('pg_catalog.default') t ON t.tokid = m.maptokentype
          JOIN pg_ts_dict d ON d.oid = m.mapdict
          WHERE m.mapcfg = format('pg_catalog.%I', target)::regconfig
          GROUP BY t.alias
        LOOP
          EXECUTE format('ALTER TEXT SEARCH CONFIGURATION parley_search ALTER MAPPING FOR %I WITH %s%s', mapping.alias,
            CASE WHEN mapping.alias IN ('word', 'hword', 'hword_part') THEN '${unaccent}, ' ELSE '' END, mapping.dictionaries);
        END LOOP;
      END $$`);
    await runner.query(`CREATE TABLE search_settings (id boolean PRIMARY KEY DEFAULT true CHECK (id), language text NOT NULL)`);
    await runner.query(`INSERT INTO search_settings (language) VALUES ('simple')`);
    // Keyed by room too (btree_gin): a search is always of some rooms, and the index intersects their entries
    // with the words' instead of fetching every match in every room. fastupdate: an insert appends to the
    // index's pending list; entries are merged in bulk later (vacuum, or when the list reaches
    // gin_pending_list_limit), not one posting tree at a time in the send's commit.
    await runner.query(`
      CREATE INDEX messages_search_idx ON messages USING gin (room_id, to_tsvector('parley_search'::regconfig, content))
      WITH (fastupdate = on) WHERE deleted_at IS NULL`);

    // unaccent() is only STABLE (its dictionary could change); fixing the dictionary makes it usable in an index.
    await runner.query(`
      CREATE FUNCTION parley_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      AS $$ SELECT lower(${unaccent}('${unaccent}'::regdictionary, value)) $$`);
    await runner.query(`CREATE INDEX users_search_trgm_idx ON users USING gin (parley_fold(username || ' ' || display_name) gin_trgm_ops) WHERE deleted_at IS NULL`);
    await runner.query(`
      CREATE INDEX rooms_search_trgm_idx ON rooms USING gin (parley_fold(name || ' ' || description) gin_trgm_ops)
      WHERE kind = 'group' AND visibility = 'public'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX rooms_search_trgm_idx`);
    await runner.query(`DROP INDEX users_search_trgm_idx`);
    await runner.query(`DROP FUNCTION parley_fold(text)`);
    await runner.query(`DROP INDEX messages_search_idx`);
    await runner.query(`DROP TABLE search_settings`);
    await runner.query(`DROP FUNCTION parley_search_use_language(text)`);
    await runner.query(`DROP TEXT SEARCH CONFIGURATION parley_search`);
  }
}
