import { preEncoded } from '@parley/common';
import type { Server } from 'socket.io';
import { Encoder } from 'socket.io-parser';
import { sampleMessage } from './ordered-delivery';

type Packet = Parameters<Server['encoder']['encode']>[0];

/** socket.io-parser's packet types for the two packets encoded here. */
const EVENT = 2;
const ACK = 3;

function isOkAck(value: unknown): value is { ok: true; data: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && keys[0] === 'ok' && keys[1] === 'data' && (value as { ok: unknown }).ok === true;
}

/**
 * The packet's text when its payload was pre-encoded (@parley/common's pre-encoded.ts): an event
 * `[name, payload]`, or an ack `[{ ok: true, data: payload }]`. Exactly what socket.io-parser writes (no
 * binary can be inside JSON that came from JSON.stringify); undefined for every other packet.
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

/**
 * Boot self-check of the packet splice: sample events and acks with a pre-encoded payload must come out
 * exactly as socket.io-parser's own encoder writes them. Returns the problem, or null.
 */
export function checkPacketSplicing(encodeOnce: (value: object) => string): string | null {
  const reference = new Encoder();
  const payload = sampleMessage();
  encodeOnce(payload);
  const packets: Packet[] = [
    { type: EVENT, nsp: '/', data: ['message:new', payload] },
    { type: EVENT, nsp: '/', id: 7, data: ['message:new', payload] },
    { type: ACK, nsp: '/', id: 12, data: [{ ok: true, data: payload }] },
    { type: ACK, nsp: '/chat', id: 0, data: [{ ok: true, data: payload }] },
  ];
  for (const packet of packets) {
    const spliced = encodePacketWithPreEncoded(packet);
    if (spliced === undefined || spliced !== reference.encode(packet)[0]) return `a pre-encoded packet (type ${packet.type}) differs from socket.io-parser's`;
  }
  return null;
}
