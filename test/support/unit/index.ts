/** Helpers shared by the unit specs (no database, no Redis, no network). */
export { deferred, type Deferred } from './deferred';
export { fake } from './fake';
export { testMessage } from './messages';
export { rejection } from './rejection';
