import type { Server } from 'socket.io';

type Packet = Parameters<Server['encoder']['encode']>[0];

/** socket.io-parser's packet types for the two packets encoded here. */
const EVENT = 2;
const ACK = 3;

const encoded = new WeakMap<object, string>();

/**
 * Serialises a value that leaves this instance several times, once: a new message goes out in its
 * sender's ack, in `message:new` to the room's local sockets and on the cluster bus. The value must not
 * change afterwards (messages are never mutated once built).
 */
export function encodeOnce(value: object): string {
  let json = encoded.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    encoded.set(value, json);
  }
  return json;
}

/** Records the JSON a value was parsed from (by the caller's guarantee), so it is not serialised again. */
export function adoptEncoding(value: object, json: string): void {
  encoded.set(value, json);
}

/** The JSON encodeOnce made (or adoptEncoding recorded) for this value, if any. */
export function preEncoded(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? encoded.get(value) : undefined;
}

function isOkAck(value: unknown): value is { ok: true; data: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && keys[0] === 'ok' && keys[1] === 'data' && (value as { ok: unknown }).ok === true;
}

/**
 * The packet's text when its payload was pre-encoded: an event `[name, payload]`, or an ack
 * `[{ ok: true, data: payload }]`. Exactly what socket.io-parser writes (no binary can be inside JSON that
 * came from JSON.stringify); undefined for every other packet.
 */
export function encodePacketWithPreEncoded(packet: Packet): string | undefined {
  const data: unknown = packet.data;
  const type: number = packet.type;
  if (!Array.isArray(data)) return undefined;
  let body: string | undefined;
  if (type === EVENT && data.length === 2 && typeof data[0] === 'string') {
    const payload = preEncoded(data[1]);
    if (payload !== undefined) body = `[${JSON.stringify(data[0])},${payload}]`;
  } else if (type === ACK && data.length === 1 && isOkAck(data[0])) {
    const payload = preEncoded(data[0].data);
    if (payload !== undefined) body = `[{"ok":true,"data":${payload}}]`;
  }
  if (body === undefined) return undefined;
  const namespace = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
  const id = packet.id === undefined || packet.id === null ? '' : String(packet.id);
  return `${type}${namespace}${id}${body}`;
}

/**
 * Makes the server's packet encoder (shared by every socket and the adapter's broadcasts) reuse pre-encoded
 * payloads; everything else is encoded as before.
 */
export function usePreEncodedJson(server: Server): void {
  const encoder = server.encoder;
  const encode = encoder.encode.bind(encoder);
  encoder.encode = (packet: Packet) => {
    const text = encodePacketWithPreEncoded(packet);
    return text === undefined ? (encode(packet) as unknown[]) : [text];
  };
}
