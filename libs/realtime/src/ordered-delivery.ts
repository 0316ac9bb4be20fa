import { adoptEncoding, encodeOnce, preEncoded, transportFastPaths } from '@parley/common';
import type { Message } from '@parley/contract';
import { Adapter, ClusterAdapter, MessageType, type BroadcastOptions, type ClusterMessage } from 'socket.io-adapter';
import type { Packet } from 'socket.io-parser';
import { roomChannel } from './socket-types';

/** socket.io-parser's EVENT packet type. */
const EVENT = 2;
const MESSAGE_NEW = 'message:new';

/** Where this instance's `message:new` go before its sockets get them: the per-room sequencer. */
export interface MessageSink {
  push(message: Message): void;
}

/** The message of a plain `message:new` event packet, else undefined. */
function messageNewOf(packet: Partial<Packet> | undefined): Message | undefined {
  const data: unknown = packet?.data;
  const type: unknown = packet?.type;
  return type === EVENT && Array.isArray(data) && data.length === 2 && data[0] === MESSAGE_NEW ? (data[1] as Message) : undefined;
}

/**
 * The ClusterAdapter parts used here: `publishAndReturnOffset` and `onMessage` are its protected extension
 * points (what every cluster adapter subclass calls and is called by); `encode` and `onRawMessage` are the
 * sharded Redis adapter's own, used only by the transport fast path.
 */
interface ClusterInternals {
  uid: string;
  publishAndReturnOffset(message: { type: MessageType; data: unknown }): Promise<unknown>;
  onMessage(message: ClusterMessage, offset?: string): void;
  encode?(message: ClusterMessage): string | Buffer;
  onRawMessage?(raw: Buffer, channel: Buffer | string): void;
}

/**
 * Makes the namespace's adapter carry `message:new` in each room's seq order, cluster-wide, for plain
 * socket.io-client users:
 *
 * - a `message:new` broadcast (only ever made by the room's writer, in seq order) is published to the other
 *   instances through the adapter as usual, but this instance's sockets get it from `sink` (the sequencer);
 * - a `message:new` broadcast arriving from another instance goes to `sink` too, instead of straight to the
 *   sockets. The sequencer delivers each room's messages once, in seq order, and fills gaps from the database
 *   (a writer that died between its commit and its publish, Redis away for a moment).
 *
 * Every other broadcast goes through the adapter untouched. Returns how the sink delivers a message to this
 * instance's sockets in its room (the adapter's own local broadcast). Throws when the adapter lacks the parts
 * this relies on (a different socket.io-adapter major version): ordering is a guarantee, not an option.
 */
export function orderMessageDelivery(adapter: Adapter, sink: MessageSink): (message: Message) => void {
  const nsp = (adapter.nsp as { name: string }).name;
  const clustered = adapter instanceof ClusterAdapter;
  const cluster = adapter as unknown as ClusterInternals;
  if (clustered && (typeof cluster.publishAndReturnOffset !== 'function' || typeof cluster.onMessage !== 'function' || typeof cluster.uid !== 'string')) {
    throw new Error('The Socket.IO cluster adapter lacks publishAndReturnOffset/onMessage: unsupported socket.io-adapter version');
  }
  // The in-memory adapter's broadcast: this instance's sockets only, whatever the adapter.
  const localBroadcast = (packet: Packet, opts: BroadcastOptions): void => Adapter.prototype.broadcast.call(adapter, packet, opts);
  const deliverLocally = (message: Message): void => {
    const packet = { type: EVENT, data: [MESSAGE_NEW, message], nsp } as unknown as Packet;
    localBroadcast( packet, { rooms: new Set([roomChannel(message.roomId)]), except: new Set<string>(), flags: {} });
  };

  const broadcast = adapter.broadcast.bind(adapter);
  adapter.broadcast = (packet: Packet, opts: BroadcastOptions): void => {
    const message = messageNewOf(packet);
    if (!message || opts.flags?.local || opts.rooms.size !== 1 || (opts.except?.size ?? 0) > 0) {
      void broadcast(packet, opts);
      return;
    }
    if (clustered) {
      const data = { packet, opts: { rooms: [...opts.rooms], except: [], flags: opts.flags ?? {} } };
      // The adapter's publisher logs and counts failures (redis-io.adapter.ts); the sockets here are served anyway.
      void cluster.publishAndReturnOffset({ type: MessageType.BROADCAST, data }).catch(() => undefined);
    }
    sink.push(message);
  };

  if (clustered) {
    const onMessage = cluster.onMessage.bind(adapter);
    cluster.onMessage = (message: ClusterMessage, offset?: string): void => {
      if (message.type === MessageType.BROADCAST && message.uid !== cluster.uid && message.nsp === nsp && message.data.requestId === undefined) {
        const carried = messageNewOf(message.data.packet as Packet);
        if (carried) {
          sink.push(carried);
          return;
        }
      }
      onMessage(message, offset);
    };
  }
  return deliverLocally;
}

/** How the sharded adapter's envelope of a `message:new` broadcast starts, up to the message (JSON.stringify's key order). */
const ENVELOPE_HEAD = `{"type":${MessageType.BROADCAST},"data":{"packet":{"type":${EVENT},"data":["${MESSAGE_NEW}",`;
/** What follows the message in that envelope, up to its room. */
const ENVELOPE_ROOMS = ']},"opts":{"rooms":[';
/** Prepended to the envelope's tail (from ENVELOPE_ROOMS on), it makes a JSON document of the tail's fields. */
const TAIL_OPENING = '{"data":{"packet":{"data":[0';

/**
 * The envelope of a `message:new` broadcast with the message's JSON spliced in (encoded once on the writer,
 * see pre-encoded.ts), or undefined for anything else: what JSON.stringify would write for it, checked at
 * boot by `checkEnvelopeSplicing`.
 */
export function encodeMessageEnvelope(message: ClusterMessage): string | undefined {
  if (message.type !== MessageType.BROADCAST || message.data.requestId !== undefined) return undefined;
  const packet = message.data.packet as Packet;
  const carried = messageNewOf(packet);
  const json = carried ? preEncoded(carried) : undefined;
  const opts: { rooms: string[]; except: string[]; flags: object } = message.data.opts;
  if (json === undefined || Object.keys(packet).length !== 2 || opts.rooms.length !== 1 || opts.except.length !== 0 || Object.keys(opts.flags).length !== 0) {
    return undefined;
  }
  return `${ENVELOPE_HEAD}${json}${ENVELOPE_ROOMS}${JSON.stringify(opts.rooms[0])}],"except":[],"flags":{}}},"uid":${JSON.stringify(message.uid)},"nsp":${JSON.stringify(message.nsp)}}`;
}

/** A `message:new` envelope read without parsing its message yet (an instance drops its own echoes unread). */
export interface MessageEnvelope {
  uid: string;
  nsp: string;
  /** The message, parsed from its own text, which is kept for the local sockets' packets. */
  message(): Message;
}

/**
 * A `message:new` envelope as `encodeMessageEnvelope` (or JSON.stringify) writes it; undefined for anything
 * else. Inside the message's JSON every quote of a string is escaped, so the first `]},"opts":{"rooms":[`
 * after the head ends it.
 */
export function decodeMessageEnvelope(text: string): MessageEnvelope | undefined {
  if (!text.startsWith(ENVELOPE_HEAD)) return undefined;
  const end = text.indexOf(ENVELOPE_ROOMS, ENVELOPE_HEAD.length);
  if (end < 0) return undefined;
  const tail = JSON.parse(`${TAIL_OPENING}${text.slice(end)}`) as { uid?: unknown; nsp?: unknown };
  if (typeof tail.uid !== 'string' || typeof tail.nsp !== 'string') return undefined;
  const json = text.slice(ENVELOPE_HEAD.length, end);
  return {
    uid: tail.uid,
    nsp: tail.nsp,
    message: () => {
      const message = JSON.parse(json) as Message;
      adoptEncoding(message, json);
      return message;
    },
  };
}

/**
 * The transport fast path on the sharded Redis adapter: `message:new` envelopes are written with the
 * message's JSON spliced in, and read back without parsing the envelope or encoding the message again for
 * the local sockets. Everything else goes through the adapter's own encode and decode.
 */
export function spliceMessageEnvelopes(adapter: Adapter, sink: MessageSink): void {
  const cluster = adapter as unknown as ClusterInternals;
  if (!transportFastPaths.enabled || typeof cluster.encode !== 'function' || typeof cluster.onRawMessage !== 'function') return;
  const nsp = (adapter.nsp as { name: string }).name;
  const encode = cluster.encode.bind(adapter);
  cluster.encode = (message: ClusterMessage) => (transportFastPaths.enabled ? encodeMessageEnvelope(message) : undefined) ?? encode(message);
  const onRawMessage = cluster.onRawMessage.bind(adapter);
  cluster.onRawMessage = (raw: Buffer, channel: Buffer | string): void => {
    if (transportFastPaths.enabled && raw[0] === 0x7b) {
      let decoded: ReturnType<typeof decodeMessageEnvelope>;
      try {
        decoded = decodeMessageEnvelope(raw.toString());
      } catch {
        decoded = undefined; // the adapter's own decoding reports it
      }
      if (decoded) {
        if (decoded.uid !== cluster.uid && decoded.nsp === nsp) sink.push(decoded.message());
        return;
      }
    }
    onRawMessage(raw, channel);
  };
}

/** A message with every JSON escape the splices must survive. */
export function sampleMessage(): Message {
  return {
    id: '7b0c3a43-5c1e-4f55-9a55-0b2f3c7d1e01',
    roomId: 'a2b4c6d8-1111-4222-8333-944455556666',
    seq: 42,
    author: { id: 'u1', username: 'ann', displayName: 'Ann "the" Émigré ✓ ]},"opts":', createdAt: '2026-11-26T05:00:00.000Z' },
    content: 'line\nbreak, quote " backslash \\ emoji 😀 lone \ud800 and </script> ]},"opts":{"rooms":[',
    clientMsgId: null,
    createdAt: '2026-11-26T05:00:00.123Z',
    editedAt: null,
    deletedAt: null,
    type: 'text',
  };
}

/**
 * Boot self-check of the envelope splice: a sample envelope spliced must equal JSON.stringify's, and read
 * back to the same message. Returns the problem, or null.
 */
export function checkEnvelopeSplicing(): string | null {
  const message = sampleMessage();
  encodeOnce(message);
  const envelope = {
    type: MessageType.BROADCAST,
    data: { packet: { type: EVENT, data: [MESSAGE_NEW, message] }, opts: { rooms: [roomChannel(message.roomId)], except: [], flags: {} } },
    uid: 'a1b2c3d4e5f60718',
    nsp: '/',
  } as unknown as ClusterMessage;
  const spliced = encodeMessageEnvelope(envelope);
  if (spliced !== JSON.stringify(envelope)) return 'a spliced message:new envelope differs from JSON.stringify';
  const decoded = decodeMessageEnvelope(spliced);
  if (!decoded || JSON.stringify(decoded.message()) !== JSON.stringify(message) || decoded.uid !== 'a1b2c3d4e5f60718' || decoded.nsp !== '/') {
    return 'a spliced message:new envelope does not read back to its message';
  }
  return null;
}
