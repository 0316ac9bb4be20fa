import type { RedisConnections } from '@parley/redis';
import { EventEmitter } from 'node:events';
import { RedisClusterBus, type ClusterEvent } from './cluster-bus';

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
});
