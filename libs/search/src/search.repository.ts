import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RoomKind } from '@parley/contract';
import { queryModified, queryRows } from '@parley/database';
import { MESSAGE_COLUMNS, type MessageRow } from '@parley/messages';
import { DataSource } from 'typeorm';
import type { SearchPosition } from './search-cursor';
import type { MatchedTokens } from './snippet';

/**
 * A message's document, exactly as migration 1764500000000 indexes it (messages_search_idx): a search written
 * with any other expression would not use the index.
 */
const DOCUMENT = `to_tsvector('parley_search'::regconfig, msg.content)`;
const QUERY = (parameter: string): string => `websearch_to_tsquery('parley_search'::regconfig, ${parameter})`;

/** Which messages a search looks at: the rooms the user is a member of, or one room (access checked). */
export type SearchScope = { memberOf: string } | { roomId: string };

export interface MessageSearch {
  scope: SearchScope;
  q: string;
  authorId: string | null;
  before: Date | null;
  after: Date | null;
  /** The previous page's end. */
  from: SearchPosition | null;
  limit: number;
}

export interface MessageHitRow extends MessageRow {
  rank: number;
  /** created_at as PostgreSQL writes it in JSON, to the microsecond (the cursor's tie-break). */
  position_at: string;
  room_name: string;
  room_kind: RoomKind;
  /** The message's text search tokens, in order, each flagged when one of its lexemes is the query's. */
  tokens: MatchedTokens;
}

/**
 * Token types the parser gives before their own parts (`rendez-vous`, then `rendez`, `-`, `vous`; a URL, then
 * its host and path): left out, so that the tokens spell the message exactly once.
 */
const COMPOUND_TOKENS = `('asciihword', 'hword', 'numhword', 'url')`;

/**
 * How many matches (the newest) are ranked. Ranking reads and parses each match again (the index holds no
 * positions to rank by), about 35 µs each: unbounded, a common word in a big history would take seconds.
 */
export const RANKED_MATCHES = 1000;

/** A lexeme in a tsquery's text ('word'); the parser never puts a quote in one. */
const QUOTED_LEXEME = "'([^']*)'";

export interface UserMatchRow {
  id: string;
  username: string;
  display_name: string;
  created_at: Date;
  deleted_at: Date | null;
}

/** `text` with LIKE's own characters taken literally. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The SQL of search; private to the search module. */
@Injectable()
export class SearchRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * What `q` becomes as a query: `lexemes` false when nothing is left to look for (stop words, punctuation),
   * `indexable` false when it only excludes words (`-word`), which no index can answer.
   */
  async describeQuery(q: string): Promise<{ lexemes: boolean; indexable: boolean }> {
    const rows = await queryRows<{ nodes: number; tree: string }>(this.db, `SELECT numnode(query) AS nodes, querytree(query) AS tree FROM ${QUERY('$1')} AS query`, [q]);
    const row = rows[0];
    return { lexemes: (row?.nodes ?? 0) > 0, indexable: row !== undefined && row.tree !== '' && row.tree !== 'T' };
  }

  /**
   * One page of hits, best first (rank, then newest, then id), one more than `limit` to tell whether there
   * are more, among the RANKED_MATCHES newest matches. Deleted messages are not indexed and never match. The page's messages (only they: it is the
   * costly part) come cut into tokens, each flagged when its lexemes meet the query's, for their snippets. Not
   * ts_headline: it drops what its parser takes for HTML tags, and a snippet must show the message as written.
   */
  async searchMessages(search: MessageSearch): Promise<MessageHitRow[]> {
    // Room by room (a lateral subquery the planner cannot merge into a join): each room's matches come from the
    // index by (room, words) together, so the work grows with the caller's rooms' matches, not everyone's.
    const rooms = 'memberOf' in search.scope ? `(SELECT ms.room_id FROM memberships ms WHERE ms.user_id = $1)` : `(SELECT $1::uuid AS room_id)`;
    const scopeId = 'memberOf' in search.scope ? search.scope.memberOf : search.scope.roomId;
    return queryRows<MessageHitRow>(
      this.db,
      `WITH candidates AS MATERIALIZED (
         SELECT c.* FROM ${rooms} AS scope_rooms
         CROSS JOIN LATERAL (
           SELECT msg.id, msg.content, msg.created_at
           FROM messages msg
           WHERE msg.room_id = scope_rooms.room_id AND ${DOCUMENT} @@ ${QUERY('$2')} AND msg.deleted_at IS NULL AND msg.type <> 'system'
             AND ($3::uuid IS NULL OR msg.author_id = $3)
             AND ($4::timestamptz IS NULL OR msg.created_at < $4) AND ($5::timestamptz IS NULL OR msg.created_at > $5)
           ORDER BY msg.created_at DESC
           LIMIT $11) c
         ORDER BY c.created_at DESC
         LIMIT $11),
       ranked AS (
         SELECT c.id, c.created_at, ts_rank_cd(to_tsvector('parley_search'::regconfig, c.content), ${QUERY('$2')}, 1) AS rank FROM candidates c),
       page AS (
         SELECT * FROM ranked
         WHERE $6::real IS NULL OR (rank, created_at, id) < ($6::real, $7::timestamptz, $8::uuid)
         ORDER BY rank DESC, created_at DESC, id DESC
         LIMIT $9)
       SELECT ${MESSAGE_COLUMNS}, page.rank, to_json(page.created_at) #>> '{}' AS position_at, r.name AS room_name, r.kind AS room_kind,
              (SELECT json_agg(json_build_array(t.token, tsvector_to_array(to_tsvector('parley_search'::regconfig, t.token)) && query_lexemes.list) ORDER BY t.n)
               FROM ts_parse('pg_catalog.default', msg.content) WITH ORDINALITY AS t(tokid, token, n)
               JOIN ts_token_type('pg_catalog.default') tt ON tt.tokid = t.tokid
               WHERE tt.alias NOT IN ${COMPOUND_TOKENS}) AS tokens
       FROM page JOIN messages msg ON msg.id = page.id JOIN users u ON u.id = msg.author_id JOIN rooms r ON r.id = msg.room_id,
            (SELECT array(SELECT m[1] FROM regexp_matches(querytree(${QUERY('$2')}), $10, 'g') AS m) AS list) AS query_lexemes
       ORDER BY page.rank DESC, page.created_at DESC, page.id DESC`,
      [
        scopeId,
        search.q,
        search.authorId,
        search.before,
        search.after,
        search.from?.rank ?? null,
        search.from?.createdAt ?? null,
        search.from?.id ?? null,
        search.limit + 1,
        QUOTED_LEXEME,
        RANKED_MATCHES,
      ],
    );
  }

  /**
   * Accounts (not deleted) whose username or display name contains `text`, ignoring case and accents: the
   * exact username first, then usernames starting with it, display names with a word starting with it, the rest.
   * Accounts that blocked `callerId` are left out (a block is invisible: the blocker is not found).
   */
  async matchUsers(callerId: string, text: string, limit: number): Promise<UserMatchRow[]> {
    return queryRows<UserMatchRow>(
      this.db,
      `SELECT u.id, u.username, u.display_name, u.created_at, u.deleted_at
       FROM users u, parley_fold($1) AS folded, parley_fold($2) AS pattern
       WHERE u.deleted_at IS NULL AND parley_fold(u.username || ' ' || u.display_name) LIKE '%' || parley_fold($2) || '%'
         AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = u.id AND b.blocked_id = $4)
       ORDER BY CASE WHEN parley_fold(u.username) = folded THEN 0
                     WHEN parley_fold(u.username) LIKE pattern || '%' THEN 1
                     WHEN ' ' || parley_fold(u.display_name) LIKE '% ' || pattern || '%' THEN 2
                     ELSE 3 END,
                length(u.username), lower(u.username)
       LIMIT $3`,
      [text, likeLiteral(text), limit, callerId],
    );
  }

  /**
   * Public group rooms whose name or description contains `text`, ignoring case and accents: the exact name
   * first, then names starting with it, names containing it, descriptions; the most members first within each.
   */
  async matchPublicRooms(text: string, limit: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      `SELECT r.id
       FROM rooms r, parley_fold($1) AS folded, parley_fold($2) AS pattern
       WHERE r.kind = 'group' AND r.visibility = 'public' AND parley_fold(r.name || ' ' || r.description) LIKE '%' || parley_fold($2) || '%'
       ORDER BY CASE WHEN parley_fold(r.name) = folded THEN 0
                     WHEN parley_fold(r.name) LIKE pattern || '%' THEN 1
                     WHEN parley_fold(r.name) LIKE '%' || pattern || '%' THEN 2
                     ELSE 3 END,
                (SELECT count(*) FROM memberships m WHERE m.room_id = r.id) DESC, lower(r.name)
       LIMIT $3`,
      [text, likeLiteral(text), limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Maps `parley_search` to `language` unless it is mapped so already, and rebuilds the messages index that
   * depends on it; under a transaction-level advisory lock, so instances starting together do it once.
   * True when it changed.
   */
  async useLanguage(language: string): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      await queryRows(manager, 'SELECT pg_advisory_xact_lock($1)', [SEARCH_LANGUAGE_LOCK_KEY]);
      const { count } = await queryModified(manager, `UPDATE search_settings SET language = $1 WHERE language <> $1`, [language]);
      if (count === 0) return false;
      await queryRows(manager, 'SELECT parley_search_use_language($1)', [language]);
      await manager.query('REINDEX INDEX messages_search_idx');
      return true;
    });
  }
}

/** Arbitrary constant shared by every Parley instance: the key of the search-language advisory lock. */
const SEARCH_LANGUAGE_LOCK_KEY = 7_361_221_017;
