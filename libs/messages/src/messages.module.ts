import { Module } from '@nestjs/common';
import { AttachmentsModule } from '@parley/attachments';
import { AuditModule } from '@parley/audit';
import { AppConfig } from '@parley/config';
import { RedisConnections } from '@parley/redis';
import { RoomsModule } from '@parley/rooms';
import { UsersModule } from '@parley/users';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import { PinsController } from './pins.controller';
import { PinsService } from './pins.service';
import { ReportsRepository } from './reports.repository';
import { RoomWriter } from './room-writer';
import { SendPool } from './send-pool';
import { SendRouter } from './send-router';
import { LocalWriterLeases, RedisWriterLeases, WriterLeases } from './writer-leases';

@Module({
  imports: [RoomsModule, UsersModule, AuditModule, AttachmentsModule],
  controllers: [MessagesController, PinsController],
  providers: [
    SendPool,
    MessagesRepository,
    ReportsRepository,
    RoomWriter,
    SendRouter,
    MessagesService,
    PinsService,
    {
      provide: WriterLeases,
      inject: [AppConfig, { token: RedisConnections, optional: true }],
      useFactory: (config: AppConfig, redis?: RedisConnections): WriterLeases =>
        redis ? new RedisWriterLeases(redis.sendPath, redis.prefix, config.instanceId, config.writerLeaseMs) : new LocalWriterLeases(config.instanceId),
    },
  ],
  exports: [MessagesService],
})
export class MessagesModule {}
