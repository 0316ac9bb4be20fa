import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { encodeOnce } from '@parley/common';
import type { Message } from '@parley/contract';
import { MessagesService } from '@parley/messages';
import { Metrics } from '@parley/metrics';
import { orderMessageDelivery, spliceMessageEnvelopes } from './ordered-delivery';
import { RoomSequencer } from './room-sequencer';
import { roomChannel, type ParleyServer } from './socket-types';
import { Typing } from './typing';

/**
 * `message:new` from the room's writer to every subscriber on every instance, in seq order, each once. The
 * writer broadcasts through the Socket.IO adapter like any room event; on every instance (the writer's too)
 * the adapter hands the room's messages to this instance's sequencer, which delivers them to the local
 * subscribers in order and fills gaps from the database (ordered-delivery.ts).
 */
@Injectable()
export class RoomDelivery implements OnApplicationShutdown {
  private readonly logger = new Logger(RoomDelivery.name);
  private server?: ParleyServer;
  private readonly sequencer: RoomSequencer;
  private deliverLocally: (message: Message) => void = () => undefined;

  constructor(
    messages: MessagesService,
    private readonly typing: Typing,
    private readonly metrics: Metrics,
  ) {
    this.sequencer = new RoomSequencer({
      gapWaitMs: 250,
      maxGapAttempts: 40,
      loadAfter: async (roomId, afterSeq) => (await messages.catchUp(roomId, afterSeq)).messages,
      deliver: (message) => this.deliver(message),
      onError: (error) => this.logger.warn(`Gap fill: ${String(error)}`),
    });
  }

  /** Installs the ordering on the server's adapter (and, when on, the envelope splice of the fast paths). */
  attach(server: ParleyServer): void {
    this.server = server;
    const adapter = server.of('/').adapter;
    this.deliverLocally = orderMessageDelivery(adapter, this.sequencer);
    spliceMessageEnvelopes(adapter, this.sequencer);
  }

  /** The writer's new message, to the room's subscribers everywhere (encoded once for all of them). */
  publish(message: Message): void {
    encodeOnce(message);
    this.server?.to(roomChannel(message.roomId)).emit('message:new', message);
  }

  /** A socket subscribed: deliveries in this room continue from its current lastSeq. */
  prime(roomId: string, lastSeq: number): void {
    this.sequencer.prime(roomId, lastSeq + 1);
  }

  /** No subscriber left here, or the room is gone. */
  forget(roomId: string): void {
    this.sequencer.forget(roomId);
  }

  onApplicationShutdown(): void {
    this.sequencer.clear();
  }

  private deliver(message: Message): void {
    this.deliverLocally(message);
    this.metrics.messageDeliveries.inc(this.server?.of('/').adapter.rooms.get(roomChannel(message.roomId))?.size ?? 0);
    // A message ends its author's typing in the room (where this instance tracks it).
    this.typing.stop(message.roomId, message.author.id);
  }
}
