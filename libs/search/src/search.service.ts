import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ApiError } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { Room, SearchPage, User } from '@parley/contract';
import { toMessage } from '@parley/messages';
import { RoomsService } from '@parley/rooms';
import { userView } from '@parley/users';
import { DEFAULT_SEARCH_LIMIT, type MessageSearchQuery, type NameSearchQuery } from './dto';
import { buildSnippet } from './snippet';
import { SearchCursors } from './search-cursor';
import { SearchRepository } from './search.repository';

const NO_WORDS = 'q has no words to look for: only stop words, punctuation or operators';
const ONLY_EXCLUSIONS = 'q needs a word to look for, not only words to leave out (-word)';

/** Message, user and room search (contract §9). */
@Injectable()
export class SearchService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Search');
  private readonly cursors: SearchCursors;

  constructor(
    private readonly repository: SearchRepository,
    private readonly rooms: RoomsService,
    private readonly config: AppConfig,
  ) {
    this.cursors = new SearchCursors(config.jwtSecret);
  }

  /** After the migrations (which run at module init): SEARCH_LANGUAGE, if the database's differs. */
  async onApplicationBootstrap(): Promise<void> {
    if (await this.repository.useLanguage(this.config.searchLanguage)) {
      this.logger.log(`Search language is now ${this.config.searchLanguage}; the message search index was rebuilt`);
    }
  }

  /**
   * Messages the caller can read now: in `roomId` (any room the caller may read, checked by the one room
   * access check: a private room they are not in is not_found), otherwise in every room and DM they are a
   * member of (so never one they left or were removed from).
   */
  async searchMessages(userId: string, query: MessageSearchQuery): Promise<SearchPage> {
    const before = query.before === undefined ? null : new Date(query.before);
    const after = query.after === undefined ? null : new Date(query.after);
    if (before && after && after >= before) throw ApiError.validation('Invalid query: after must be earlier than before', { after: ['after must be earlier than before'] });
    const fingerprint = SearchCursors.fingerprint({ q: query.q, roomId: query.roomId, authorId: query.authorId, before: query.before, after: query.after });
    const from = query.cursor === undefined ? null : this.cursors.decode(query.cursor, fingerprint);
    if (query.roomId !== undefined) await this.rooms.requireAccess(userId, query.roomId, 'view');
    const shape = await this.repository.describeQuery(query.q);
    if (!shape.lexemes) throw ApiError.validation(`Invalid query: ${NO_WORDS}`, { q: [NO_WORDS] });
    if (!shape.indexable) throw ApiError.validation(`Invalid query: ${ONLY_EXCLUSIONS}`, { q: [ONLY_EXCLUSIONS] });

    const limit = query.limit ?? DEFAULT_SEARCH_LIMIT;
    const rows = await this.repository.searchMessages({
      scope: query.roomId === undefined ? { memberOf: userId } : { roomId: query.roomId },
      q: query.q,
      authorId: query.authorId ?? null,
      before,
      after,
      from,
      limit,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      hits: page.map((row) => ({
        message: toMessage(row),
        room: { id: row.room_id, name: row.room_name, kind: row.room_kind },
        rank: row.rank,
        ...buildSnippet(row.tokens),
      })),
      nextCursor: rows.length > limit && last ? this.cursors.encode({ rank: last.rank, createdAt: last.position_at, id: last.id }, fingerprint) : null,
    };
  }

  /** Accounts by username or display name (deleted ones never, nor those that blocked the caller). */
  async searchUsers(callerId: string, query: NameSearchQuery): Promise<User[]> {
    const rows = await this.repository.matchUsers(callerId, query.q, query.limit ?? DEFAULT_SEARCH_LIMIT);
    return rows.map((row) => userView({ id: row.id, username: row.username, displayName: row.display_name, createdAt: row.created_at, deletedAt: row.deleted_at }));
  }

  /** Public group rooms by name and description, as the caller sees them (joined, role, unread). */
  async searchRooms(userId: string, query: NameSearchQuery): Promise<Room[]> {
    return this.rooms.viewRooms(userId, await this.repository.matchPublicRooms(query.q, query.limit ?? DEFAULT_SEARCH_LIMIT));
  }
}
