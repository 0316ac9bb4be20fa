import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { onDatabaseError } from '@parley/common';
import { DataSource } from 'typeorm';

const PROBE_INTERVAL_MS = 1000;

function describe(error: unknown): string {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  return [code, message].filter((part) => typeof part === 'string' && part !== '').join(': ') || String(error);
}

/**
 * A lost PostgreSQL connection is logged once per outage, not once per request (a 4-second outage under load
 * used to write thousands of ERROR lines with stacks). Requests keep answering `unavailable` meanwhile; a probe
 * each second notices the return and logs how long it lasted and how many requests it turned away.
 */
@Injectable()
export class DatabaseOutageMonitor implements OnModuleDestroy {
  private readonly logger = new Logger('Database');
  private readonly unsubscribe: () => void;
  private outage: { since: number; failures: number; probe: NodeJS.Timeout } | undefined;
  private probing = false;

  constructor(private readonly dataSource: DataSource) {
    this.unsubscribe = onDatabaseError((kind, error) => {
      if (kind === 'connection') this.noteConnectionFailure(error);
    });
  }

  private noteConnectionFailure(error: unknown): void {
    if (this.outage) {
      this.outage.failures++;
      return;
    }
    this.logger.error(`PostgreSQL connection lost (${describe(error)}); requests answer unavailable until it is back`);
    const probe = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    probe.unref();
    this.outage = { since: Date.now(), failures: 1, probe };
  }

  private async probe(): Promise<void> {
    if (!this.outage || this.probing) return;
    this.probing = true;
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      return;
    } finally {
      this.probing = false;
    }
    const { since, failures, probe } = this.outage;
    clearInterval(probe);
    this.outage = undefined;
    const seconds = ((Date.now() - since) / 1000).toFixed(1);
    this.logger.warn(`PostgreSQL connection restored after ${seconds} s; ${failures} request${failures === 1 ? '' : 's'} answered unavailable meanwhile`);
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    if (this.outage) clearInterval(this.outage.probe);
  }
}
