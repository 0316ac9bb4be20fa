import { Module } from '@nestjs/common';
import { AppConfig } from '@parley/config';
import { RedisConnections } from '@parley/redis';
import { RoomsModule } from '@parley/rooms';
import { BlocksModule, UsersModule } from '@parley/users';
import { ConnectionStore, createConnectionStore } from './connection-store';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { Contacts } from './contacts.service';
import { StatusController } from './status.controller';
import { UserStatuses } from './user-statuses';

@Module({
  imports: [UsersModule, BlocksModule, RoomsModule],
  controllers: [ContactsController, StatusController],
  providers: [
    ContactsRepository,
    Contacts,
    UserStatuses,
    {
      provide: ConnectionStore,
      inject: [AppConfig, { token: RedisConnections, optional: true }],
      useFactory: createConnectionStore,
    },
  ],
  exports: [Contacts, UserStatuses],
})
export class ContactsModule {}
