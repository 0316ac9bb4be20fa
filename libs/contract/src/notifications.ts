import type { Room, User } from './objects';
import type { AnnouncementEvent, AuthExpiredEvent, AuthRevokedEvent, MemberEvent } from './socket-events';

/** `message.created` and `mention` notifications (contract §6). */
export interface MessageNotification {
  roomId: string;
  messageId: string;
  seq: number;
  author: User;
  /** The first 140 characters of the content. */
  preview: string;
}

/** Server-Sent Events of `GET /api/notifications/stream`, by event name. */
export interface NotificationEventMap {
  'message.created': MessageNotification;
  'member.joined': MemberEvent;
  'member.left': MemberEvent;
  'room.created': Room;
  mention: MessageNotification;
  'dm.created': Room;
  'room.invited': Room;
  announcement: AnnouncementEvent;
  /** The last event of a stream whose access token expired (reconnect with a fresh token and Last-Event-ID). */
  'auth:expired': AuthExpiredEvent;
  /** The last event of a stream whose session was revoked (sign in again). */
  'auth:revoked': AuthRevokedEvent;
}

export type NotificationEventName = keyof NotificationEventMap;

/** Stored per user, sent with `id:` and replayed after `Last-Event-ID`. */
export const DURABLE_NOTIFICATION_TYPES = ['mention', 'dm.created', 'room.invited'] as const;
export type DurableNotificationType = (typeof DURABLE_NOTIFICATION_TYPES)[number];

export type DurableNotification = {
  [K in DurableNotificationType]: {
    /** Increasing per user. */
    id: number;
    type: K;
    data: NotificationEventMap[K];
    createdAt: string;
    readAt: string | null;
  };
}[DurableNotificationType];

/** One instance's figures in the admin stats. */
export interface InstanceStats {
  instanceId: string;
  sockets: number;
  sseStreams: number;
  messagesPerMinute: number;
  startedAt: string;
  reportedAt: string;
}

/** `GET /api/admin/stats` and each event of `GET /api/admin/stats/stream`. */
export interface AdminStats {
  sockets: number;
  sseStreams: number;
  /** Distinct users with at least one socket, cluster-wide (HyperLogLog estimate in a cluster). */
  usersOnline: number;
  rooms: number;
  messagesPerMinute: number;
  instances: InstanceStats[];
  at: string;
}
