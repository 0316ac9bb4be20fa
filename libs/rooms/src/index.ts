export { RoomsModule } from './rooms.module';
export { RoomsService, toRoom, type RoomAccess, type RoomAccessLevel } from './rooms.service';
export type { RoomRecord } from './rooms.repository';
export { RoomDto, MemberDto, RoomIdParams } from './dto';
export { ConversationsService, toConversation, CursorCodec, MAX_CONVERSATION_PAGE } from './conversations.service';
export { PREVIEW_LENGTH } from './conversations.repository';
