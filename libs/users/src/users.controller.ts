import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { User } from '@parley/contract';
import { SearchUsersQuery, UserDto } from './dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors('unauthorized')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOperation({ summary: 'The authenticated user' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() caller: AuthUser): Promise<User> {
    return this.users.getById(caller.id);
  }

  @Get()
  @ApiOperation({ summary: 'Search users by username or display name prefix' })
  @ApiOkResponse({ type: UserDto, isArray: true })
  @ApiErrors('validation_failed')
  search(@CurrentUser() caller: AuthUser, @Query() query: SearchUsersQuery): Promise<User[]> {
    return this.users.search(caller.id, query.search ?? '', query.limit ?? 20);
  }
}
