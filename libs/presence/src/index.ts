export { PresenceModule } from './presence.module';
export { PresenceStore, InMemoryPresenceStore } from './presence.store';
