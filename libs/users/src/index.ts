export { UsersModule } from './users.module';
export { UsersService, toUser, type UserCredentials } from './users.service';
export { UserDto } from './dto';
