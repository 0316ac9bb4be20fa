import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@parley/config';
import { AttachmentsRepository } from './attachments.repository';
import { ATTACHMENT_STORE, type AttachmentStore } from './storage/attachment-store';

/** Rows deleted per statement: short transactions, however much expired at once. */
const SWEEP_BATCH = 100;

/**
 * Removes, on every instance every ATTACHMENT_SWEEP_INTERVAL_MS, attachments never sent within
 * ATTACHMENT_UNSENT_TTL_MS, files of messages deleted more than ATTACHMENT_RETENTION_MS ago and those of
 * deleted rooms: the rows by DELETE … RETURNING (one instance gets each), then their bytes from the store.
 */
@Injectable()
export class AttachmentSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Attachments');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly repository: AttachmentsRepository,
    private readonly config: AppConfig,
    @Inject(ATTACHMENT_STORE) private readonly store: AttachmentStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.attachmentSweepIntervalMs);
    this.timer.unref();
  }

  /** Before the database pool closes: no new sweep, and the one running (a short batch) finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep (never two at once on an instance); resolves with how many attachments it removed. */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepAll(): Promise<number> {
    let removed = 0;
    try {
      for (;;) {
        const rows = await this.repository.deleteExpired(this.config.attachmentUnsentTtlMs, this.config.attachmentRetentionMs, SWEEP_BATCH);
        for (const row of rows) {
          // The postgres store's chunks went with the row; another store's bytes are removed here.
          if (row.storage === this.store.kind) await this.store.remove(row.id).catch((error: unknown) => this.logger.warn(`Could not remove the bytes of attachment ${row.id}: ${String(error)}`));
          else this.logger.warn(`Attachment ${row.id} was in the ${row.storage} store, not this instance's ${this.store.kind}: its bytes stay there`);
        }
        removed += rows.length;
        if (rows.length < SWEEP_BATCH) break;
      }
    } catch (error) {
      this.logger.warn(`Attachment sweep failed (retried in ${this.config.attachmentSweepIntervalMs} ms): ${error instanceof Error ? error.message : String(error)}`);
    }
    return removed;
  }
}
