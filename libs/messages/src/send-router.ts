import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { adoptEncoding, ApiError, preEncoded, toApiError } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { ErrorCode } from '@parley/contract';
import { Metrics } from '@parley/metrics';
import { ChannelBus } from '@parley/redis';
import { RoomWriter, type SendOutcome, type SendRequest } from './room-writer';
import { shardOf, WriterLeases } from './writer-leases';

/** How long a forwarded send waits for its writer's answer (a live writer answers within a batch or two). */
export const FORWARD_TIMEOUT_MS = 3000;
/** Routes a send may take before it is refused as `unavailable` (a room changing writers settles in one or two). */
const MAX_ROUTES = 5;

/** What instances say to each other on their channels (JSON). */
type Wire =
  | { t: 'send'; id: number; from: string; request: SendRequest }
  | { t: 'outcome'; id: number; outcome: SendOutcome }
  | { t: 'failed'; id: number; code: ErrorCode; message: string };

interface Waiting {
  resolve: (outcome: SendOutcome | 'unreachable') => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Gets every send to its room's writer: this instance's RoomWriter, or the instance holding the room's
 * lease, over that instance's channel on the ChannelBus (and the outcome back over this one's). A writer
 * nobody listens for any more (its process is gone) is replaced at once: this instance takes the room, and
 * the fencing epoch keeps the old writer out should it still be alive. Serves the sends other instances
 * forward here the same way.
 */
@Injectable()
export class SendRouter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SendRouter.name);
  /** The instance last seen writing each shard. */
  private readonly writers = new Map<number, string>();
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private readonly instanceId: string;

  constructor(
    private readonly writer: RoomWriter,
    private readonly leases: WriterLeases,
    private readonly bus: ChannelBus,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.instanceId = config.instanceId;
  }

  private channelOf(instanceId: string): string {
    return `${this.config.redisPrefix}:instance:${instanceId}`;
  }

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(this.channelOf(this.instanceId), (payload) => this.receive(payload));
  }

  /** After the shutdown drain: other instances now find nobody here and take this instance's rooms. */
  async onApplicationShutdown(): Promise<void> {
    await this.bus.unsubscribe(this.channelOf(this.instanceId)).catch(() => undefined);
  }

  /** Resolves with the writer's outcome (never `elsewhere`); rejects with an ApiError when no writer answered. */
  async send(request: SendRequest): Promise<SendOutcome> {
    const { roomId } = request;
    const shard = shardOf(roomId, this.config.writerShards);
    // A shard nobody is known to write is tried here: the writer takes it if it is free.
    let writer = this.writers.get(shard) ?? this.instanceId;
    let replacing: string | undefined;
    for (let route = 0; route < MAX_ROUTES; route++) {
      let outcome: SendOutcome | 'unreachable';
      if (writer === this.instanceId) {
        outcome = await this.writer.write(request, replacing);
      } else {
        this.metrics.sendForwards.inc();
        outcome = await this.forward(writer, request);
      }
      if (outcome === 'unreachable') {
        replacing = writer;
        writer = this.instanceId;
        continue;
      }
      if (outcome.kind !== 'elsewhere') {
        this.writers.set(shard, writer);
        return outcome;
      }
      this.writers.delete(shard);
      replacing = undefined;
      // No writer named: the room is changing hands (a writer stopping); look again after a moment.
      if (outcome.writer === null) await sleep(10 * (route + 1));
      writer = outcome.writer ?? (await this.holder(roomId)) ?? this.instanceId;
    }
    throw ApiError.unavailable("The room's writer could not be reached; please retry");
  }

  /** The lease holder of the room's shard; null when nobody holds it or Redis cannot tell (this instance then takes it). */
  private holder(roomId: string): Promise<string | null> {
    return this.leases.holder(shardOf(roomId, this.config.writerShards)).catch(() => null);
  }

  /**
   * Forwards to `target`; 'unreachable' when nobody listens on its channel (it is gone) or the channel bus is
   * down (Redis away: this instance then takes the shard by its epoch). A writer that is there but does not
   * answer in time may have stored the send: a send with a clientMsgId is written here instead, after taking
   * the shard over (idempotent), one without is answered `unavailable`.
   */
  private async forward(target: string, request: SendRequest): Promise<SendOutcome | 'unreachable'> {
    const id = ++this.nextId;
    const answer = new Promise<SendOutcome | 'unreachable'>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new ForwardTimeout());
      }, FORWARD_TIMEOUT_MS);
      this.waiting.set(id, { resolve, reject, timer });
    });
    const payload = JSON.stringify({ t: 'send', id, from: this.instanceId, request } satisfies Wire);
    this.bus.publish([this.channelOf(target)], payload).then(
      (receivers) => {
        if (receivers === 0) this.settle(id, (waiting) => waiting.resolve('unreachable'));
      },
      () => this.settle(id, (waiting) => waiting.resolve('unreachable')),
    );
    try {
      return await answer;
    } catch (error) {
      if (!(error instanceof ForwardTimeout)) throw error;
      if (request.clientMsgId === null) throw ApiError.unavailable("The room's writer did not answer in time; the message may have been stored");
      // Idempotent: this instance takes the shard over from the silent writer (the epoch fences it out, should
      // it come back) and answers with what is stored, the original send included if it was committed.
      this.logger.warn(`No answer from ${target} within ${FORWARD_TIMEOUT_MS} ms for a send in ${request.roomId}; taking its writer shard over`);
      return this.writer.write(request, target);
    }
  }

  private settle(id: number, action: (waiting: Waiting) => void): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    action(waiting);
  }

  private receive(payload: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(payload) as Wire;
    } catch (error) {
      this.logger.warn(`Dropped a malformed message on this instance's channel: ${String(error)}`);
      return;
    }
    switch (wire.t) {
      case 'send':
        void this.serve(wire.id, wire.from, wire.request);
        return;
      case 'outcome':
        if (wire.outcome.kind === 'stored') {
          // The message's JSON as the writer encoded it: this instance's ack splices it instead of encoding again.
          const text = storedMessageText(payload, wire.id);
          if (text !== undefined) adoptEncoding(wire.outcome.message, text);
        }
        this.settle(wire.id, (waiting) => waiting.resolve(wire.outcome));
        return;
      case 'failed':
        this.settle(wire.id, (waiting) => waiting.reject(new ApiError(wire.code, wire.message)));
        return;
    }
  }

  /** A send another instance forwarded: written here (if this instance writes the room), answered there. */
  private async serve(id: number, from: string, request: SendRequest): Promise<void> {
    let reply: string;
    try {
      reply = outcomeText(id, await this.writer.write(request));
    } catch (error) {
      const { apiError, unexpected } = toApiError(error);
      if (unexpected) this.logger.error(`Forwarded send failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      reply = JSON.stringify({ t: 'failed', id, code: apiError.code, message: apiError.message } satisfies Wire);
    }
    await this.bus.publish([this.channelOf(from)], reply).catch((error: unknown) => this.logger.warn(`Answer to ${from} lost: ${String(error)}`));
  }
}

class ForwardTimeout extends Error {}

/** How a stored outcome starts on the wire, up to the message (what outcomeText writes, JSON.stringify's key order). */
const storedPrefix = (id: number): string => `{"t":"outcome","id":${id},"outcome":{"kind":"stored","message":`;

/** The outcome's wire text; a stored message's JSON (encoded once, for the broadcast) is spliced in. */
function outcomeText(id: number, outcome: SendOutcome): string {
  const message = outcome.kind === 'stored' ? preEncoded(outcome.message) : undefined;
  if (message !== undefined) return `${storedPrefix(id)}${message}}}`;
  return JSON.stringify({ t: 'outcome', id, outcome } satisfies Wire);
}

/** The stored message's own JSON inside an outcome's wire text, when it has the spliced form. */
function storedMessageText(payload: string, id: number): string | undefined {
  const prefix = storedPrefix(id);
  return payload.startsWith(prefix) && payload.endsWith('}}') ? payload.slice(prefix.length, -2) : undefined;
}
