import { LocalChannelBus } from './channel-bus';

describe('LocalChannelBus (one instance)', () => {
  it('delivers to the channel\'s handler after the publish returns, in order, and counts the receivers', async () => {
    const bus = new LocalChannelBus();
    const received: string[] = [];
    await bus.subscribe('a', (payload, channel) => received.push(`${channel}:${payload}`));
    await bus.subscribe('b', (payload, channel) => received.push(`${channel}:${payload}`));
    expect(await bus.publish(['a', 'b', 'nobody'], '1')).toBe(2);
    expect(await bus.publish(['a'], '2')).toBe(1);
    expect(await bus.publish([], '3')).toBe(0);
    await Promise.resolve();
    expect(received).toEqual(['a:1', 'b:1', 'a:2']);
    await bus.unsubscribe('a');
    expect(await bus.publish(['a'], '4')).toBe(0);
  });
});
