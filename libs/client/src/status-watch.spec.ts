import type { UserStatus } from '@parley/contract';
import { STATUS_BATCH, StatusWatch, type StatusTransport } from './status-watch';

const status = (userId: string, value: UserStatus['status'] = 'online'): UserStatus => ({ userId, status: value, statusText: null, lastSeenAt: null });

function fakeTransport(visible: (id: string) => boolean = () => true) {
  const calls: Array<{ event: 'watch' | 'unwatch'; userIds: string[] }> = [];
  let connected = true;
  const transport: StatusTransport = {
    isConnected: () => connected,
    watch: (userIds) => {
      calls.push({ event: 'watch', userIds });
      return Promise.resolve(userIds.filter(visible).map((id) => status(id)));
    },
    unwatch: (userIds) => {
      calls.push({ event: 'unwatch', userIds });
      return Promise.resolve();
    },
  };
  return { transport, calls, setConnected: (value: boolean) => (connected = value) };
}

describe('StatusWatch', () => {
  it('watches, keeps what the server answered and emits each status', async () => {
    const { transport, calls } = fakeTransport((id) => id !== 'stranger');
    const watch = new StatusWatch(transport);
    const changes: UserStatus[] = [];
    watch.on('change', (change) => changes.push(change));
    expect(await watch.watch(['a', 'stranger', 'a'])).toEqual([status('a')]);
    expect(calls).toEqual([{ event: 'watch', userIds: ['a', 'stranger'] }]);
    expect(changes).toEqual([status('a')]);
    expect(watch.get('a')).toEqual(status('a'));
    expect(watch.get('stranger')).toBeUndefined();
  });

  it('asks in batches of the server limit', async () => {
    const { transport, calls } = fakeTransport();
    const ids = Array.from({ length: STATUS_BATCH * 2 + 1 }, (_, i) => `u${i}`);
    expect(await new StatusWatch(transport).watch(ids)).toHaveLength(ids.length);
    expect(calls.map((call) => call.userIds.length)).toEqual([STATUS_BATCH, STATUS_BATCH, 1]);
  });

  it('remembers watches made while disconnected and asks for every watched user again after a reconnect', async () => {
    const { transport, calls, setConnected } = fakeTransport();
    const watch = new StatusWatch(transport);
    await watch.watch(['a']);
    setConnected(false);
    expect(await watch.watch(['b'])).toEqual([]);
    expect(calls).toHaveLength(1);
    setConnected(true);
    await watch.resync();
    expect(calls[1]).toEqual({ event: 'watch', userIds: ['a', 'b'] });
  });

  it('unwatches only what it watched, and forgets it for later reconnects', async () => {
    const { transport, calls } = fakeTransport();
    const watch = new StatusWatch(transport);
    await watch.watch(['a', 'b']);
    await watch.unwatch(['a', 'never']);
    expect(calls[1]).toEqual({ event: 'unwatch', userIds: ['a'] });
    await watch.resync();
    expect(calls[2]).toEqual({ event: 'watch', userIds: ['b'] });
  });

  it('keeps the newest status of each user from events, and forgets everything on clear', async () => {
    const { transport, calls } = fakeTransport();
    const watch = new StatusWatch(transport);
    watch.handle(status('c', 'away'));
    watch.handle(status('c', 'busy'));
    expect(watch.get('c')?.status).toBe('busy');
    await watch.watch(['d']);
    watch.clear();
    expect(watch.get('c')).toBeUndefined();
    await watch.resync();
    expect(calls).toHaveLength(1);
  });
});
