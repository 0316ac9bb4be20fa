import { Injectable, Logger } from '@nestjs/common';
import type { SystemEvent, User } from '@parley/contract';

/** A committed membership or room change to record in the room's history as a system message. */
export interface SystemNotice {
  roomId: string;
  /** Who did it: the system message's author. */
  actor: User;
  /** Whom it was done to (added, kicked, banned, role changed), for the text. */
  target?: User;
  event: SystemEvent;
}

type Writer = (notice: SystemNotice) => Promise<void>;

/**
 * Where the rooms module hands its committed changes to the send path (libs/messages attaches its writer at
 * start-up: messages depends on rooms, so rooms cannot call it directly). `record` resolves once the system
 * messages are committed, or failed: the change itself committed already and stands, so a failure is logged, not
 * thrown (the history then lacks that line; nothing else is affected).
 */
@Injectable()
export class SystemMessages {
  private readonly logger = new Logger(SystemMessages.name);
  private writer?: Writer;

  attach(writer: Writer): void {
    this.writer = writer;
  }

  /** Writes the notices one after the other, so their seqs follow their order. */
  async record(...notices: SystemNotice[]): Promise<void> {
    for (const notice of notices) {
      if (!this.writer) return;
      try {
        await this.writer(notice);
      } catch (error) {
        this.logger.warn(`System message ${notice.event.kind} in room ${notice.roomId} not written: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
