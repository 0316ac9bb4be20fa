import { Global, Module } from '@nestjs/common';
import { InMemoryPresenceStore, PresenceStore } from './presence.store';

@Global()
@Module({
  providers: [{ provide: PresenceStore, useClass: InMemoryPresenceStore }],
  exports: [PresenceStore],
})
export class PresenceModule {}
