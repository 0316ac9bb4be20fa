export { PresenceModule } from './presence.module';
export { PresenceStore, InMemoryPresenceStore, type PresenceEntry, type PresenceHooks, type PresenceTransitions } from './presence.store';
export { RedisPresenceStore } from './redis-presence.store';
