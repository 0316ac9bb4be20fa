import { encodeOnce } from '@parley/common';
import type { Message } from '@parley/contract';
import { Adapter, ClusterAdapter, MessageType, type ClusterMessage, type ClusterResponse } from 'socket.io-adapter';
import { Server } from 'socket.io';
import { checkEnvelopeSplicing, decodeMessageEnvelope, encodeMessageEnvelope, orderMessageDelivery, sampleMessage } from './ordered-delivery';

const envelope = (message: Message, uid = 'c0ffee0011223344', extra: Record<string, unknown> = {}): ClusterMessage =>
  ({
    type: MessageType.BROADCAST,
    data: { packet: { type: 2, data: ['message:new', message] }, opts: { rooms: [`room:${message.roomId}`], except: [], flags: {} }, ...extra },
    uid,
    nsp: '/',
  }) as unknown as ClusterMessage;

describe('message:new envelopes (the splice of the transport fast paths)', () => {
  it('writes exactly what JSON.stringify writes, and reads the message back from it, escapes and look-alike text included', () => {
    const message = sampleMessage();
    encodeOnce(message);
    const spliced = encodeMessageEnvelope(envelope(message));
    expect(spliced).toBe(JSON.stringify(envelope(message)));
    const decoded = decodeMessageEnvelope(spliced as string);
    expect(decoded).toMatchObject({ uid: 'c0ffee0011223344', nsp: '/' });
    expect(decoded?.message()).toEqual(message);
    expect(checkEnvelopeSplicing()).toBeNull();
  });

  it('leaves to the adapter what it does not splice: not encoded once, with an ack, other events, other rooms or flags', () => {
    const plain = sampleMessage();
    expect(encodeMessageEnvelope(envelope(plain))).toBeUndefined();
    const encoded = sampleMessage();
    encodeOnce(encoded);
    expect(encodeMessageEnvelope(envelope(encoded, 'u', { requestId: 'r1' }))).toBeUndefined();
    const typing = { ...envelope(encoded), data: { packet: { type: 2, data: ['typing', encoded] }, opts: { rooms: ['room:x'], except: [], flags: {} } } };
    expect(encodeMessageEnvelope(typing as unknown as ClusterMessage)).toBeUndefined();
    const twoRooms = envelope(encoded) as unknown as { data: { opts: { rooms: string[] } } };
    twoRooms.data.opts.rooms.push('room:y');
    expect(encodeMessageEnvelope(twoRooms as unknown as ClusterMessage)).toBeUndefined();
    const volatile = envelope(encoded) as unknown as { data: { opts: { flags: object } } };
    volatile.data.opts.flags = { volatile: true };
    expect(encodeMessageEnvelope(volatile as unknown as ClusterMessage)).toBeUndefined();
  });

  it('reads nothing but a message:new envelope', () => {
    expect(decodeMessageEnvelope('{"type":3,"data":{"packet":{"type":2,"data":["typing",{}]}}}')).toBeUndefined();
    expect(decodeMessageEnvelope(JSON.stringify({ type: MessageType.SOCKETS_JOIN, data: {} }))).toBeUndefined();
  });
});

/** A cluster adapter over a test "bus": what it publishes is recorded, what the test delivers arrives as from another instance. */
class RecordingClusterAdapter extends ClusterAdapter {
  readonly published: ClusterMessage[] = [];

  constructor(nsp: unknown) {
    super(nsp);
  }

  protected doPublish(message: ClusterMessage): Promise<string> {
    this.published.push(message);
    return Promise.resolve('');
  }
  protected doPublishResponse(_requesterUid: string, _response: ClusterResponse): Promise<void> {
    return Promise.resolve();
  }
  receive(message: ClusterMessage): void {
    this.onMessage(message);
  }
  get id(): string {
    return this.uid;
  }
}

const message = (seq: number, roomId = 'r1'): Message => ({ ...sampleMessage(), id: `m${seq}`, roomId, seq });

describe('orderMessageDelivery', () => {
  // Never attached to an HTTP server: its namespaces only give the adapters a home.
  const server = new Server();

  it('on a cluster adapter: publishes the writer\'s message:new to the others, gives it to the sink here, and the others\' too', async () => {
    const adapter = new RecordingClusterAdapter(server.of('/'));
    const sink: Message[] = [];
    const local = jest.spyOn(Adapter.prototype, 'broadcast');
    const deliver = orderMessageDelivery(adapter, { push: (m) => sink.push(m) });

    void adapter.broadcast({ type: 2, data: ['message:new', message(1)] }, { rooms: new Set(['room:r1']), except: new Set(), flags: {} });
    expect(sink.map((m) => m.seq)).toEqual([1]);
    expect(adapter.published).toHaveLength(1);
    expect(adapter.published[0]).toMatchObject({ type: MessageType.BROADCAST, data: { opts: { rooms: ['room:r1'], except: [] } } });
    expect(local).not.toHaveBeenCalled(); // the local sockets get it from the sink, in order

    adapter.receive({ ...envelope(message(2)), uid: 'another-instance' });
    expect(sink.map((m) => m.seq)).toEqual([1, 2]);
    adapter.receive({ ...envelope(message(3)), uid: adapter.id }); // its own echo
    expect(sink.map((m) => m.seq)).toEqual([1, 2]);

    // Anything else goes through the adapter as before: published and delivered locally.
    await adapter.broadcast({ type: 2, data: ['typing', { roomId: 'r1' }] }, { rooms: new Set(['room:r1']), except: new Set(), flags: {} });
    expect(adapter.published).toHaveLength(2);
    expect(local).toHaveBeenCalledTimes(1);

    // What the sink delivers goes to this instance's sockets in the room, through the in-memory adapter.
    deliver(message(4));
    expect(local).toHaveBeenCalledTimes(2);
    expect(local.mock.calls[1]?.[1]).toEqual({ rooms: new Set(['room:r1']), except: new Set(), flags: {} });
    local.mockRestore();
  });

  it('on the in-memory adapter (one instance): message:new goes to the sink, nothing is published', () => {
    const adapter = new Adapter(server.of('/other'));
    const sink: Message[] = [];
    orderMessageDelivery(adapter, { push: (m) => sink.push(m) });
    void adapter.broadcast({ type: 2, data: ['message:new', message(7)] }, { rooms: new Set(['room:r1']), except: new Set(), flags: {} });
    expect(sink.map((m) => m.seq)).toEqual([7]);
  });

  it('refuses a cluster adapter without the extension points it relies on', () => {
    const adapter = new RecordingClusterAdapter(server.of('/third'));
    Object.defineProperty(adapter, 'publishAndReturnOffset', { value: undefined });
    expect(() => orderMessageDelivery(adapter, { push: () => undefined })).toThrow(/unsupported socket.io-adapter/);
  });
});
