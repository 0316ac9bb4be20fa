import { Injectable } from '@nestjs/common';
import type { AuditPage } from '@parley/contract';
import type { EntityManager } from 'typeorm';
import { AuditRepository, type AuditFilter, type AuditRecord } from './audit.repository';

export type { AuditFilter, AuditRecord };

/** Every moderation and admin action leaves an entry here; who may read which entries is the caller's check. */
@Injectable()
export class AuditLog {
  constructor(private readonly repository: AuditRepository) {}

  record(entry: AuditRecord, manager?: EntityManager): Promise<void> {
    return this.repository.append(entry, manager);
  }

  async page(filter: AuditFilter): Promise<AuditPage> {
    const entries = await this.repository.page(filter);
    const last = entries[entries.length - 1];
    return { entries, nextBefore: entries.length === filter.limit && last ? last.id : null };
  }
}
