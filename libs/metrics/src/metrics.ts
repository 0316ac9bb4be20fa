import { Injectable } from '@nestjs/common';
import { AppConfig } from '@parley/config';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one instance (label `instance`). Names are documented in docs/operations.md.
 * Node's default metrics are included: event-loop lag (`nodejs_eventloop_lag_seconds`, p50/p90/p99),
 * heap, GC, CPU, open handles.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private socketCount: () => number = () => 0;
  private streamCount: () => number = () => 0;
  private roomsWritten: () => number = () => 0;

  readonly socketsConnected: Gauge;
  readonly sseStreams: Gauge;
  readonly messagesPersisted: Counter;
  readonly messageDeliveries: Counter;
  readonly sendDuration: Histogram<'stage'>;
  readonly sendBatchSize: Histogram;
  readonly sendForwards: Counter;
  readonly roomWriters: Gauge;
  readonly redisErrors: Counter;
  readonly databaseErrors: Counter;

  constructor(config: AppConfig) {
    this.registry.setDefaultLabels({ instance: config.instanceId });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    const registers = [this.registry];
    // prom-client calls collect() with the gauge as `this`; the source is read through the closure.
    const sourced = (name: string, help: string, source: () => number): Gauge =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(source());
        },
      });
    this.socketsConnected = sourced('parley_sockets_connected', 'Socket.IO connections held by this instance', () => this.socketCount());
    this.sseStreams = sourced('parley_sse_streams', 'Notification SSE streams held by this instance', () => this.streamCount());
    this.roomWriters = sourced('parley_rooms_written', 'Rooms whose writer this instance is (one writer per room, docs/architecture.md)', () => this.roomsWritten());
    this.messagesPersisted = new Counter({ name: 'parley_messages_persisted_total', help: 'Messages committed by this instance', registers });
    this.messageDeliveries = new Counter({
      name: 'parley_message_deliveries_total',
      help: 'message:new events written to this instance\'s sockets (one per receiving socket)',
      registers,
    });
    this.sendDuration = new Histogram({
      name: 'parley_send_duration_seconds',
      help: 'Time from receiving a send to its commit (stage="commit") and to its acknowledgement (stage="ack")',
      labelNames: ['stage'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    });
    this.sendBatchSize = new Histogram({
      name: 'parley_send_batch_size',
      help: 'Sends written per batch statement (group commit); bigger batches cost the database less per message',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    });
    this.sendForwards = new Counter({
      name: 'parley_send_forwards_total',
      help: "Sends this instance's clients made in rooms another instance writes, forwarded to that instance",
      registers,
    });
    this.redisErrors = new Counter({ name: 'parley_redis_errors_total', help: 'Errors reported by the Redis connections', registers });
    this.databaseErrors = new Counter({ name: 'parley_database_errors_total', help: 'Requests that failed on a database error', registers });
  }

  /** Where the gauges read their values (set by the realtime and notifications modules). */
  countSocketsWith(source: () => number): void {
    this.socketCount = source;
  }

  countStreamsWith(source: () => number): void {
    this.streamCount = source;
  }

  countRoomsWrittenWith(source: () => number): void {
    this.roomsWritten = source;
  }
}
