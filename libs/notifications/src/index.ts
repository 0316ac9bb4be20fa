export { NotificationsModule } from './notifications.module';
export { NotificationStreams } from './notification-streams';
export { parseMentions } from './mentions';
