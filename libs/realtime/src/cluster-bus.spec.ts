import type { RedisConnections } from '@parley/redis';
import { EventEmitter } from 'node:events';
import type { Message } from '@parley/contract';
import { RedisClusterBus, type ClusterEvent } from './cluster-bus';
import { encodeOnce, preEncoded } from './pre-encoded-json';

/** Two instances' buses over one fake pub/sub: what one publishes, every subscriber (itself too) is handed. */
function fakeRedis(): { connections: RedisConnections; parsed: () => number } {
  const subscriber = Object.assign(new EventEmitter(), { subscribe: () => Promise.resolve(), unsubscribe: () => Promise.resolve() });
  const publisher = {
    publish: (channels: string[], payload: string) => {
      for (const channel of channels) subscriber.emit('message', channel, payload);
      return Promise.resolve();
    },
  };
  const connections = { prefix: 'p', subscriber, publisher, onHealthChange: () => undefined } as unknown as RedisConnections;
  let parses = 0;
  const parse = JSON.parse;
  jest.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    parses++;
    return parse(text, reviver) as unknown;
  });
  return { connections, parsed: () => parses };
}

describe('RedisClusterBus', () => {
  afterEach(() => jest.restoreAllMocks());

  it('hands events to the other instances and drops its own echo without parsing it', async () => {
    const { connections, parsed } = fakeRedis();
    const a = new RedisClusterBus(connections, 'instance-a');
    const b = new RedisClusterBus(connections, 'instance-b');
    const seenByA: ClusterEvent[] = [];
    const seenByB: ClusterEvent[] = [];
    a.onEvent((event) => seenByA.push(event));
    b.onEvent((event) => seenByB.push(event));
    const event: ClusterEvent = { type: 'room.deleted', roomId: 'r1' };

    expect(await a.publish('r1', event)).toBe(true);

    expect(seenByB).toEqual([event]);
    expect(seenByA).toEqual([]);
    // Two subscribers got the payload; only the other instance parsed it.
    expect(parsed()).toBe(1);
  });

  it('is not fooled by an instance id that starts like its own', async () => {
    const { connections } = fakeRedis();
    const a = new RedisClusterBus(connections, 'node');
    const longer = new RedisClusterBus(connections, 'node-2');
    const seenByA: ClusterEvent[] = [];
    a.onEvent((event) => seenByA.push(event));
    await longer.publish('r1', { type: 'room.deleted', roomId: 'r1' });
    expect(seenByA).toHaveLength(1);
  });

  it('splices a pre-encoded message into the envelope: the same text as serialising it, the same event on arrival', async () => {
    const { connections } = fakeRedis();
    const a = new RedisClusterBus(connections, 'instance-a');
    const b = new RedisClusterBus(connections, 'instance-b');
    const seenByB: ClusterEvent[] = [];
    b.onEvent((event) => seenByB.push(event));
    const published: string[] = [];
    let channel = '';
    const publish = connections.publisher.publish.bind(connections.publisher);
    jest.spyOn(connections.publisher, 'publish').mockImplementation((channels, payload) => {
      published.push(payload);
      channel = channels[0] ?? '';
      return publish(channels, payload);
    });
    const message: Message = {
      id: 'm1', roomId: 'r1', seq: 3, content: 'say "hi" \\ ✓', clientMsgId: null, createdAt: '2026-11-26T05:00:00.000Z', editedAt: null, deletedAt: null,
      author: { id: 'u1', username: 'ann', displayName: 'Ann', createdAt: '2026-11-01T00:00:00.000Z' },
    };
    const plain: ClusterEvent = { type: 'message.created', message: { ...message } };
    const spliced: ClusterEvent = { type: 'message.created', message };
    encodeOnce(message);

    await a.publish('r1', plain);
    const stringify = jest.spyOn(JSON, 'stringify');
    await a.publish('r1', spliced);
    expect(stringify).not.toHaveBeenCalled();

    expect(published[1]).toBe(published[0]);
    expect(seenByB).toEqual([plain, plain]);
    // The receiver keeps each message's text for its own sockets, exactly as serialising it would give.
    for (const event of seenByB) expect(preEncoded((event as { message: Message }).message)).toBe(JSON.stringify(message));

    // An envelope in another key order (another version of Parley) is still read, just not reused.
    const reordered = JSON.stringify({ event: { message, type: 'message.created' }, origin: 'instance-c' });
    (connections.subscriber as unknown as EventEmitter).emit('message', channel, reordered);
    expect(seenByB).toHaveLength(3);
    expect(seenByB[2]).toEqual(plain);
    expect(preEncoded((seenByB[2] as { message: Message }).message)).toBeUndefined();
  });
});
