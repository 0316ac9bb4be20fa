export { ContactsModule } from './contacts.module';
export { Contacts } from './contacts.service';
export { UserStatuses, effectiveStatus, statusChannel, type StatusServer, type StatusSocket } from './user-statuses';
export { SetStatusDto, StatusWatchDto, UserStatusDto, ContactDto } from './dto';
