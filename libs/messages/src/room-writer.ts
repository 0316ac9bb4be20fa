import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DomainEvents, RateLimitStore, type RateLimitDecision } from '@parley/common';
import { AppConfig } from '@parley/config';
import type { Message, MessageAttachment, MessageType, SystemEvent, User } from '@parley/contract';
import { isForeignKeyViolation, isUniqueViolation, sqlStateClassOf, SQLSTATE_CLASS } from '@parley/database';
import { Metrics } from '@parley/metrics';
import { MessagesRepository, type WriteItem, type WriteRow } from './messages.repository';
import { SendBatcher } from './send-batcher';
import { shardOf, WriterLeases } from './writer-leases';

/** A send as its room's writer takes it, from this instance's clients or forwarded by another instance. */
export interface SendRequest {
  roomId: string;
  author: User;
  content: string;
  clientMsgId: string | null;
  /** Absent for a member's text message. `system`: the server records a change (author: its actor). */
  type?: Exclude<MessageType, 'text'>;
  event?: SystemEvent;
  /** The message of the same room this one replies to. */
  replyTo?: string;
  /** Uploads of the author to this room, not sent yet (checked by the service, claimed by the statement). */
  attachments?: MessageAttachment[];
}

/** What the room's writer did with a send. */
export type SendOutcome =
  | { kind: 'stored'; message: Message }
  /** The clientMsgId is stored already (a retry): the stored message is the answer. */
  | { kind: 'duplicate' }
  /** The author is not a member, or there is no such room (any more). */
  | { kind: 'refused' }
  /** The author is muted in the room. */
  | { kind: 'muted' }
  /** The message replied to is not a live message of the room. */
  | { kind: 'unquotable' }
  /** An attachment is no longer the author's unsent upload to the room (sent meanwhile, or removed). */
  | { kind: 'unattachable' }
  | { kind: 'rate-limited'; retryAfterMs: number }
  /** This instance does not write the room: `writer` does (null when unknown), route the send there. */
  | { kind: 'elsewhere'; writer: string | null };

/** The statement failed for this item alone (after the batch was retried item by item). */
interface Failed {
  kind: 'failed';
  error: unknown;
}

/** A shard this instance writes: its fencing epoch, checked by every statement. */
interface ShardState {
  shard: number;
  epoch: number;
  lastUsedAt: number;
}

interface RoomState {
  /** Seq of the room's newest stored message: the next batch numbers from here. */
  lastSeq: number;
  lastUsedAt: number;
  /** A batch of this room ended without a known outcome (a lost connection): read lastSeq again first. */
  stale: boolean;
}

interface Pending {
  request: SendRequest;
  shard: ShardState;
  /** Started on arrival, so that it runs while the batch before is written. */
  limit: Promise<RateLimitDecision>;
}

/**
 * Most sends one statement takes. A batch's cost is mostly fixed (a commit and its WAL flush, see
 * docs/performance.md), so under load bigger is cheaper; 512 keeps one statement's arrays and result small.
 */
const MAX_BATCH = 512;

/** Sends that start a batch without lingering (SEND_LINGER_MS): enough to spread a commit's fixed cost thin. */
const FULL_BATCH = 16;

/** The rate-limit decision of a system message. */
const UNLIMITED: Promise<RateLimitDecision> = Promise.resolve({ allowed: true, retryAfterMs: 0 });

/** Rooms and shards not written to for this long are let go (a shard's lease freed, the state forgotten). */
const IDLE_MS = 60_000;

/**
 * SQLSTATE classes after which a failed batch is retried item by item: data exceptions (22), integrity
 * violations (23: an author or room deleted meanwhile) and transaction rollbacks (40: deadlock,
 * serialization). Each item then gets its own result or error. Anything else (a lost connection, the server
 * shutting down) would fail the items the same way, so it fails the batch at once.
 */
const RETRY_PER_ITEM_CLASSES = new Set<string>([SQLSTATE_CLASS.dataException, SQLSTATE_CLASS.integrityConstraintViolation, SQLSTATE_CLASS.transactionRollback]);

/**
 * This instance's part of the one-writer-per-room design (docs/architecture.md). Rooms are grouped in writer
 * shards (WRITER_SHARDS); each shard is written by the instance holding its lease, which numbers the shard's
 * rooms' messages in memory and stores them with plain batched inserts, in arrival order. A shard is taken by
 * bumping its fencing epoch in PostgreSQL (the lease in Redis only routes sends), so a writer that lost a
 * shard never stores in it again: its statements find a newer epoch and store nothing, and their sends are
 * routed again.
 *
 * Every stored message is announced (`message.created`) in seq order right after its commit, by the only
 * instance that writes its room: one publisher per room keeps the room's order end to end in Redis.
 */
@Injectable()
export class RoomWriter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoomWriter.name);
  private readonly shards = new Map<number, ShardState>();
  private readonly rooms = new Map<string, RoomState>();
  /** Takeovers in progress: every send of the shard waits for the same one. */
  private readonly taking = new Map<number, Promise<ShardState | SendOutcome>>();
  private readonly batcher: SendBatcher<Pending, SendOutcome | Failed>;
  private upkeep?: NodeJS.Timeout;
  private searchMerge?: NodeJS.Timeout;
  private merging = false;
  private stopping = false;

  constructor(
    private readonly repository: MessagesRepository,
    private readonly leases: WriterLeases,
    private readonly rateLimits: RateLimitStore,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.batcher = new SendBatcher((items) => this.writeBatch(items), { maxBatch: MAX_BATCH, lingerMs: config.sendLingerMs, fullBatch: FULL_BATCH });
    metrics.countRoomsWrittenWith(() => this.rooms.size);
  }

  onApplicationBootstrap(): void {
    this.upkeep = setInterval(() => void this.keepLeases(), Math.max(100, Math.floor(this.config.writerLeaseMs / 3)));
    this.upkeep.unref();
    if (this.config.searchIndexMergeMs > 0) {
      this.searchMerge = setInterval(() => void this.mergeSearchIndex(), this.config.searchIndexMergeMs);
      this.searchMerge.unref();
    }
  }

  /**
   * Stores `request` if this instance writes its room's shard, taking the shard first when nobody holds it
   * (or `replacing`, a writer found gone, does). Resolves after the commit; rejects on a database failure.
   */
  /** Sends waiting for the next batch (tests and stats). */
  get queuedSends(): number {
    return this.batcher.queued;
  }

  async write(request: SendRequest, replacing?: string): Promise<SendOutcome> {
    if (this.stopping) return { kind: 'elsewhere', writer: null };
    const number = shardOf(request.roomId, this.config.writerShards);
    const shard = this.shards.get(number) ?? (await this.take(number, replacing));
    if (!('epoch' in shard)) return shard;
    shard.lastUsedAt = Date.now();
    // Counted here, where the room is written, so that a send routed twice counts once. System messages are the
    // server's, not the actor's: never counted, never refused.
    const limit =
      request.type === 'system' ? UNLIMITED : this.rateLimits.hit(`send:${request.author.id}`, this.config.sendRateLimit, this.config.sendRateWindowMs);
    const outcome = await this.batcher.submit({ request, shard, limit });
    if (outcome.kind === 'failed') throw outcome.error;
    return outcome;
  }

  /**
   * Shutdown, once this instance's own sends are answered: takes no more sends, stores the ones accepted,
   * then gives up every shard, so that other instances take them at their next send. Idempotent.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.upkeep);
    clearInterval(this.searchMerge);
    await this.batcher.flush();
    const shards = [...this.shards.keys()];
    this.shards.clear();
    this.rooms.clear();
    await this.leases.release(shards).catch((error: unknown) => this.logger.warn(`Releasing ${shards.length} writer lease(s) failed: ${String(error)}`));
  }

  /** When the application closes without the gateway's drain (tests, a failed boot). */
  async onApplicationShutdown(): Promise<void> {
    if (!this.stopping) await this.stop();
  }

  private take(shard: number, replacing: string | undefined): Promise<ShardState | SendOutcome> {
    let taking = this.taking.get(shard);
    if (!taking) {
      taking = this.takeShard(shard, replacing).finally(() => this.taking.delete(shard));
      this.taking.set(shard, taking);
    }
    return taking;
  }

  private async takeShard(shard: number, replacing: string | undefined): Promise<ShardState | SendOutcome> {
    const holder = await this.leases.acquire(shard, replacing).catch((error: unknown) => {
      // Redis away: the shard is taken by its epoch alone. Sends keep working on every instance; should two
      // write one shard, each one's takeover fences the other's next batch out, which then routes again.
      this.logger.warn(`Taking writer shard ${shard} without its lease (${String(error)})`);
      return this.config.instanceId;
    });
    if (holder !== this.config.instanceId) return { kind: 'elsewhere', writer: holder };
    const epoch = await this.repository.takeShard(shard);
    if (this.stopping) {
      await this.leases.release([shard]);
      return { kind: 'elsewhere', writer: null };
    }
    const state: ShardState = { shard, epoch, lastUsedAt: Date.now() };
    this.shards.set(shard, state);
    this.logger.log(`Writing shard ${shard} of ${this.config.writerShards} (epoch ${epoch})`);
    return state;
  }

  /** Forgets a shard another instance took (and its rooms, whose seqs that instance now moves). */
  private lose(shard: ShardState): void {
    if (this.shards.get(shard.shard) !== shard) return;
    this.shards.delete(shard.shard);
    for (const roomId of this.rooms.keys()) if (shardOf(roomId, this.config.writerShards) === shard.shard) this.rooms.delete(roomId);
  }

  private async writeBatch(batch: readonly Pending[]): Promise<Array<SendOutcome | Failed>> {
    const outcomes = new Array<SendOutcome | Failed | undefined>(batch.length);
    const limits = await Promise.all(batch.map((pending) => pending.limit));
    // Of repeats of one clientMsgId within the batch, the first is written; the others answer as a retry would.
    const firsts = new Map<string, number>();
    const writes: number[] = [];
    batch.forEach((pending, i) => {
      const limit = limits[i] as RateLimitDecision;
      if (!limit.allowed) {
        outcomes[i] = { kind: 'rate-limited', retryAfterMs: limit.retryAfterMs };
        return;
      }
      if (this.shards.get(pending.shard.shard) !== pending.shard) {
        outcomes[i] = { kind: 'elsewhere', writer: null }; // the shard was lost while this send waited
        return;
      }
      const { roomId, author, clientMsgId } = pending.request;
      const key = clientMsgId === null ? undefined : `${roomId}|${author.id}|${clientMsgId}`;
      if (key !== undefined && firsts.has(key)) return;
      if (key !== undefined) firsts.set(key, i);
      writes.push(i);
    });
    this.metrics.sendBatchSize.observe(writes.length);
    const stored = writes.length > 0 ? await this.store(writes.map((i) => batch[i] as Pending)) : [];
    writes.forEach((i, k) => (outcomes[i] = stored[k]));
    return batch.map((pending, i) => {
      const outcome = outcomes[i];
      if (outcome) return outcome;
      // A repeat: answered like its first, a stored message making it a duplicate.
      const { roomId, author, clientMsgId } = pending.request;
      const first = outcomes[firsts.get(`${roomId}|${author.id}|${clientMsgId ?? ''}`) as number];
      return first?.kind === 'stored' ? { kind: 'duplicate' } : (first ?? { kind: 'failed', error: new Error('no outcome') });
    });
  }

  /** The statement for these sends, then each item alone if the batch failed in a way one item could cause. */
  private async store(pendings: readonly Pending[]): Promise<Array<SendOutcome | Failed>> {
    await this.prepareRooms(pendings);
    try {
      return await this.insert(pendings);
    } catch (error) {
      if (isUniqueViolation(error, 'messages_room_seq_uq')) {
        // Another writer numbered one of these rooms (instances configured with different WRITER_SHARDS):
        // the constraint kept both from storing one seq; read the rooms again and route the sends again.
        this.logger.warn('Two writers numbered one room: check that every instance has the same WRITER_SHARDS');
        for (const pending of pendings) this.rooms.delete(pending.request.roomId);
        return pendings.map(() => ({ kind: 'elsewhere', writer: null }));
      }
      if (!RETRY_PER_ITEM_CLASSES.has(sqlStateClassOf(error) ?? '')) {
        for (const pending of pendings) this.markStale(pending.request.roomId); // committed or not: unknown
        throw error;
      }
    }
    const outcomes: Array<SendOutcome | Failed> = [];
    for (const pending of pendings) {
      try {
        const [outcome] = await this.insert([pending]);
        outcomes.push(outcome as SendOutcome);
      } catch (error) {
        // A room deleted since the membership probe: as if it had already been gone.
        outcomes.push(isForeignKeyViolation(error) ? { kind: 'refused' } : { kind: 'failed', error });
      }
    }
    return outcomes;
  }

  private markStale(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (room) room.stale = true;
  }

  /**
   * Reads the newest seq of the rooms this instance has not written since it took their shard, and of those
   * whose last batch ended without a known outcome; messages such a batch did commit were never announced,
   * and are now, in order, before anything newer.
   */
  private async prepareRooms(pendings: readonly Pending[]): Promise<void> {
    const roomIds = [...new Set(pendings.map((pending) => pending.request.roomId))].filter((roomId) => this.rooms.get(roomId)?.stale !== false);
    if (roomIds.length === 0) return;
    const lastSeqs = await this.repository.lastSeqs(roomIds);
    for (const roomId of roomIds) {
      const lastSeq = lastSeqs.get(roomId) ?? 0;
      const known = this.rooms.get(roomId);
      if (known && lastSeq > known.lastSeq) {
        const { messages } = await this.repository.findPage(roomId, { after: known.lastSeq, before: lastSeq + 1, limit: lastSeq - known.lastSeq });
        for (const message of messages) this.events.emit('message.created', { message, memberIds: [] });
      }
      this.rooms.set(roomId, { lastSeq, lastUsedAt: Date.now(), stale: false });
    }
  }

  /** One statement: numbers the items from their rooms' last seqs, then announces what it stored, in order. */
  private async insert(pendings: readonly Pending[]): Promise<SendOutcome[]> {
    const items: WriteItem[] = pendings.map(({ request, shard }) => {
      const item: WriteItem = {
        roomId: request.roomId,
        authorId: request.author.id,
        content: request.content,
        clientMsgId: request.clientMsgId,
        base: (this.rooms.get(request.roomId) as RoomState).lastSeq,
        shard: shard.shard,
        epoch: shard.epoch,
      };
      if (request.type !== undefined) {
        item.type = request.type;
        item.event = request.event;
      }
      if (request.replyTo !== undefined) item.replyTo = request.replyTo;
      if (request.attachments !== undefined) item.attachments = request.attachments;
      return item;
    });
    const rows = await this.repository.insertBatch(items);
    return rows.map((row, i) => this.settle(pendings[i] as Pending, row));
  }

  private settle({ request, shard }: Pending, row: WriteRow): SendOutcome {
    if (row === 'fenced') {
      // Another instance took the shard (it bumped the epoch): route the send again.
      this.lose(shard);
      return { kind: 'elsewhere', writer: null };
    }
    if (row === 'refused' || row === 'muted' || row === 'duplicate' || row === 'unquotable' || row === 'unattachable') return { kind: row };
    const { id, seq, createdAt, memberIds, replyTo, threadCount } = row.stored;
    // Stored under this instance's epoch; the room's state is kept only while the shard still is this one's.
    if (this.shards.get(shard.shard) === shard) this.rooms.set(request.roomId, { lastSeq: seq, lastUsedAt: Date.now(), stale: false });
    const message: Message = {
      id,
      roomId: request.roomId,
      seq,
      author: request.author,
      content: request.content,
      clientMsgId: request.type === 'system' ? null : request.clientMsgId,
      createdAt,
      editedAt: null,
      deletedAt: null,
      type: request.type ?? 'text',
    };
    if (request.event) message.event = request.event;
    if (replyTo) message.replyTo = replyTo;
    if (request.attachments) message.attachments = request.attachments;
    this.metrics.messagesPersisted.inc();
    this.events.emit('message.created', { message, memberIds });
    // Right after the reply, by the room's only publisher: subscribers get the count after the reply itself.
    if (replyTo && threadCount !== undefined) this.events.emit('message.replies', { roomId: request.roomId, messageId: replyTo.rootId, replyCount: threadCount });
    return { kind: 'stored', message };
  }

  /**
   * Keeps message search's pending list short, off the send path (MessagesRepository.mergeSearchPendingList):
   * done by the instances that write, where the entries come from; one merge at a time per instance.
   */
  private async mergeSearchIndex(): Promise<void> {
    if (this.stopping || this.merging || this.shards.size === 0) return;
    this.merging = true;
    try {
      await this.repository.mergeSearchPendingList();
    } catch (error) {
      this.logger.debug(`Search index merge skipped: ${String(error)}`);
    } finally {
      this.merging = false;
    }
  }

  /** Extends the leases of the shards written lately, lets the idle ones go, and forgets the ones lost. */
  private async keepLeases(): Promise<void> {
    if (this.stopping) return;
    const idleBefore = Date.now() - IDLE_MS;
    for (const [roomId, room] of this.rooms) if (room.lastUsedAt < idleBefore) this.rooms.delete(roomId);
    if (this.shards.size === 0) return;
    const idle = [...this.shards.values()].filter((shard) => shard.lastUsedAt < idleBefore);
    try {
      if (idle.length > 0) {
        for (const shard of idle) this.lose(shard);
        await this.leases.release(idle.map((shard) => shard.shard));
      }
      const lost = await this.leases.renew([...this.shards.keys()]);
      for (const number of lost) {
        const shard = this.shards.get(number);
        if (shard) this.lose(shard);
      }
    } catch (error) {
      // Redis away: the leases may expire and others take the shards; the epochs keep that safe.
      this.logger.debug(`Renewing writer leases failed: ${String(error)}`);
    }
  }
}
