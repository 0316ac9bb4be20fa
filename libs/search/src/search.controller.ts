import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { Room, SearchPage, User } from '@parley/contract';
import { RoomDto } from '@parley/rooms';
import { UserDto } from '@parley/users';
import { MessageSearchQuery, NameSearchQuery, SearchPageDto } from './dto';
import { SearchService } from './search.service';

@ApiTags('search')
@ApiBearerAuth()
@ApiErrors('unauthorized', 'validation_failed', 'rate_limited')
@Controller('search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Get('messages')
  @ApiOperation({
    summary: 'Full-text search over the messages the caller can read now',
    description:
      'Without roomId: every room and DM the caller is a member of. Best first, with plain-text snippets and highlight offsets; ' +
      'page with nextCursor. Refused (validation_failed): q over 200 characters, with control characters, with no word to look for ' +
      '(only stop words, punctuation or operators) or only excluded words; a cursor that was altered or belongs to another search.',
  })
  @ApiOkResponse({ type: SearchPageDto })
  @ApiErrors('not_found')
  messages(@CurrentUser() caller: AuthUser, @Query() query: MessageSearchQuery): Promise<SearchPage> {
    return this.search.searchMessages(caller.id, query);
  }

  @Get('users')
  @ApiOperation({ summary: 'Users whose username or display name contains q (case and accents ignored); exact and prefix matches first' })
  @ApiOkResponse({ type: UserDto, isArray: true })
  users(@CurrentUser() caller: AuthUser, @Query() query: NameSearchQuery): Promise<User[]> {
    return this.search.searchUsers(caller.id, query);
  }

  @Get('rooms')
  @ApiOperation({ summary: 'Public group rooms whose name or description contains q (case and accents ignored); name matches first' })
  @ApiOkResponse({ type: RoomDto, isArray: true })
  rooms(@CurrentUser() caller: AuthUser, @Query() query: NameSearchQuery): Promise<Room[]> {
    return this.search.searchRooms(caller.id, query);
  }
}
