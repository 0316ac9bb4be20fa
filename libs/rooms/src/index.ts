export { RoomsModule } from './rooms.module';
export { RoomsService, toRoom, type RoomAccess, type RoomAccessLevel } from './rooms.service';
export type { RoomRecord } from './rooms.repository';
export { RoomDto, MemberDto, RoomIdParams } from './dto';
