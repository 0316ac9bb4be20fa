import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { Notifications1764100000000 } from './1764100000000-notifications';
import { RoomWriters1764200000000 } from './1764200000000-room-writers';
import { AccountState1764300000000 } from './1764300000000-account-state';
import { Moderation1764400000000 } from './1764400000000-moderation';
import { People1764600000000 } from './1764600000000-people';

/** Every migration, in order. Committed, never generated at runtime; `synchronize` stays off. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  Notifications1764100000000,
  RoomWriters1764200000000,
  AccountState1764300000000,
  Moderation1764400000000,
  People1764600000000,
];
