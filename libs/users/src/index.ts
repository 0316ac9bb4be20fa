export { UsersModule } from './users.module';
export { UsersService, toUser, type AccountStatus, type UserCredentials } from './users.service';
export { userFromJson, userRowJson, userView, type UserJsonRow, type UserRow } from './user-view';
export { UserDto } from './dto';
export { Blocks } from './blocks.service';
export { BlocksModule } from './blocks.module';
export { BlockedUserDto, UserIdParams } from './dto';
