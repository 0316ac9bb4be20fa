import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AuthModule } from '@parley/auth';
import { AppConfig } from '@parley/config';
import { RoomsModule } from '@parley/rooms';
import type { DataSource } from 'typeorm';
import { AttachmentSweeper } from './attachment-sweeper';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsRepository } from './attachments.repository';
import { AttachmentsService } from './attachments.service';
import { ATTACHMENT_STORE, type AttachmentStore } from './storage/attachment-store';
import { FilesystemAttachmentStore } from './storage/filesystem-store';
import { PostgresAttachmentStore } from './storage/postgres-store';

/** The store ATTACHMENT_STORAGE names (the AWS SDK is loaded only for s3). */
export async function createAttachmentStore(config: AppConfig, db: DataSource): Promise<AttachmentStore> {
  switch (config.attachmentStorage) {
    case 'postgres':
      return new PostgresAttachmentStore(db);
    case 'filesystem':
      return new FilesystemAttachmentStore(config.attachmentDir);
    case 's3': {
      const { S3AttachmentStore } = await import('./storage/s3-store');
      return new S3AttachmentStore(config.attachmentS3);
    }
  }
}

/** Uploads, downloads, signed URLs and the sweep of expired attachments (docs/api-contract.md §11). */
@Module({
  imports: [AuthModule, RoomsModule],
  controllers: [AttachmentsController],
  providers: [
    AttachmentsRepository,
    AttachmentsService,
    AttachmentSweeper,
    { provide: ATTACHMENT_STORE, inject: [AppConfig, getDataSourceToken()], useFactory: createAttachmentStore },
  ],
  exports: [AttachmentsService],
})
export class AttachmentsModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(ATTACHMENT_STORE) private readonly store: AttachmentStore) {}

  async onModuleInit(): Promise<void> {
    if (this.store instanceof FilesystemAttachmentStore) await this.store.init();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close?.();
  }
}
