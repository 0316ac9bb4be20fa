import { Server } from 'socket.io';
import { encodeOnce, preEncoded } from '@parley/common';
import { encodePacketWithPreEncoded, usePreEncodedJson } from './pre-encoded-json';

type Packet = Parameters<Server['encoder']['encode']>[0];

const message = () => ({
  id: '7b0c3a43-5c1e-4f55-9a55-0b2f3c7d1e01',
  roomId: 'a2b4c6d8-1111-4222-8333-944455556666',
  seq: 42,
  author: { id: 'u1', username: 'ann', displayName: 'Ann "the" Émigré ✓', createdAt: '2026-11-26T05:00:00.000Z' },
  content: 'line\nbreak, quote " backslash \\ emoji 😀 lone \ud800 and </script>',
  clientMsgId: null,
  createdAt: '2026-11-26T05:00:00.123Z',
  editedAt: null,
  deletedAt: null,
});

describe('pre-encoded JSON', () => {
  // socket.io's own encoder, untouched: what every packet must still look like on the wire.
  const reference = new Server().encoder;
  const patchedServer = new Server();
  usePreEncodedJson(patchedServer);
  const patched = patchedServer.encoder;

  const packets = (payload: object): Packet[] => [
    { type: 2, nsp: '/', data: ['message:new', payload] },
    { type: 2, nsp: '/admin', data: ['message:new', payload] },
    { type: 2, nsp: '/', id: 7, data: ['message:new', payload] },
    { type: 3, nsp: '/', id: 12, data: [{ ok: true, data: payload }] },
    { type: 3, nsp: '/chat', id: 0, data: [{ ok: true, data: payload }] },
  ];

  it('writes exactly what socket.io-parser writes, for events and acks, in any namespace, with or without an id', () => {
    const payload = message();
    encodeOnce(payload);
    for (const packet of packets(payload)) {
      expect(encodePacketWithPreEncoded(packet)).toBe(reference.encode(packet)[0]);
      expect(patched.encode(packet)).toEqual(reference.encode(packet));
    }
  });

  it('encodes a value once, and leaves every packet without a pre-encoded payload to socket.io', () => {
    const payload = message();
    expect(preEncoded(payload)).toBeUndefined();
    for (const packet of packets(payload)) expect(encodePacketWithPreEncoded(packet)).toBeUndefined();
    const stringify = jest.spyOn(JSON, 'stringify');
    const first = encodeOnce(payload);
    expect(encodeOnce(payload)).toBe(first);
    expect(stringify).toHaveBeenCalledTimes(1);
    stringify.mockRestore();
    expect(JSON.parse(first)).toEqual(payload);

    const other: Packet[] = [
      { type: 2, nsp: '/', data: ['presence', { roomId: 'r', status: 'online' }] },
      { type: 3, nsp: '/', id: 1, data: [{ ok: false, error: payload }] },
      { type: 3, nsp: '/', id: 1, data: [{ ok: true, data: payload, extra: 1 }] },
      { type: 2, nsp: '/', data: ['message:new', payload, 'more'] },
      { type: 0, nsp: '/', data: payload },
      { type: 1, nsp: '/' },
    ];
    for (const packet of other) {
      expect(encodePacketWithPreEncoded(packet)).toBeUndefined();
      expect(patched.encode(packet)).toEqual(reference.encode(packet));
    }
  });

  it('leaves binary payloads to socket.io', () => {
    const packet: Packet = { type: 2, nsp: '/', data: ['file', { bytes: Buffer.from([1, 2, 3]) }] };
    expect(patched.encode(packet)).toEqual(reference.encode(packet));
  });
});
