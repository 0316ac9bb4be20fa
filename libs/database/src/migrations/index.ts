import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { Notifications1764100000000 } from './1764100000000-notifications';
import { RoomWriters1764200000000 } from './1764200000000-room-writers';
import { AccountState1764300000000 } from './1764300000000-account-state';
import { Moderation1764400000000 } from './1764400000000-moderation';
import { Search1764500000000 } from './1764500000000-search';
import { People1764600000000 } from './1764600000000-people';
import { Conversations1764700000000 } from './1764700000000-conversations';
import { MessageEdits1764800000000 } from './1764800000000-message-edits';
import { Pins1764900000000 } from './1764900000000-pins';
import { Reactions1765000000000 } from './1765000000000-reactions';
import { MessageChanges1765100000000 } from './1765100000000-message-changes';
import { Attachments1765200000000 } from './1765200000000-attachments';
import { MessageTypes1765300000000 } from './1765300000000-message-types';
import { MessageAttachments1765400000000 } from './1765400000000-message-attachments';

/** Every migration, in order. Committed, never generated at runtime; `synchronize` stays off. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  Notifications1764100000000,
  RoomWriters1764200000000,
  AccountState1764300000000,
  Moderation1764400000000,
  Search1764500000000,
  People1764600000000,
  Conversations1764700000000,
  MessageEdits1764800000000,
  Pins1764900000000,
  Reactions1765000000000,
  MessageChanges1765100000000,
  Attachments1765200000000,
  MessageTypes1765300000000,
  MessageAttachments1765400000000,
];
