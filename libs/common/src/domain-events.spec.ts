import { Logger } from '@nestjs/common';
import type { Room } from '@parley/contract';
import { DomainEvents } from './domain-events';

const flushPromises = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('DomainEvents', () => {
  let events: DomainEvents;
  let loggerError: jest.SpiedFunction<Logger['error']>;

  beforeEach(() => {
    events = new DomainEvents();
    loggerError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    loggerError.mockRestore();
  });

  it('does nothing when nobody listens', () => {
    expect(() => events.emit('read.updated', { roomId: 'r', userId: 'u', seq: 1 })).not.toThrow();
    expect(loggerError).not.toHaveBeenCalled();
  });

  it('calls every handler of the event, in registration order, with the payload', () => {
    const calls: string[] = [];
    const payload = { roomId: 'r1', userId: 'u1', seq: 4 };
    const first = jest.fn(() => void calls.push('first'));
    const second = jest.fn(() => void calls.push('second'));
    events.on('read.updated', first);
    events.on('read.updated', second);
    events.emit('read.updated', payload);
    expect(calls).toEqual(['first', 'second']);
    expect(first).toHaveBeenCalledWith(payload);
    expect(second).toHaveBeenCalledWith(payload);
  });

  it('runs handlers synchronously, during emit', () => {
    const handler = jest.fn();
    events.on('message.deleted', handler);
    events.emit('message.deleted', { roomId: 'r', id: 'm', seq: 1 });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('only calls handlers of the emitted event', () => {
    const deleted = jest.fn();
    const created = jest.fn();
    events.on('room.deleted', deleted);
    events.on('room.created', created);
    events.emit('room.deleted', { roomId: 'r', memberIds: ['a'] });
    expect(deleted).toHaveBeenCalledWith({ roomId: 'r', memberIds: ['a'] });
    expect(created).not.toHaveBeenCalled();
  });

  it('calls a handler once per emit', () => {
    const handler = jest.fn();
    events.on('room.created', handler);
    const room = { id: 'r' } as Room;
    events.emit('room.created', { room });
    events.emit('room.created', { room });
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('logs a throwing handler and still runs the others', () => {
    const after = jest.fn();
    events.on('read.updated', () => {
      throw new Error('listener exploded');
    });
    events.on('read.updated', after);
    expect(() => events.emit('read.updated', { roomId: 'r', userId: 'u', seq: 1 })).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    expect(loggerError).toHaveBeenCalledTimes(1);
    const logged = String(loggerError.mock.calls[0]?.[0]);
    expect(logged).toContain('Listener for read.updated failed');
    expect(logged).toContain('listener exploded');
  });

  it('logs a non-Error throw as a string', () => {
    events.on('read.updated', () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'just a string';
    });
    events.emit('read.updated', { roomId: 'r', userId: 'u', seq: 1 });
    expect(loggerError).toHaveBeenCalledWith('Listener for read.updated failed: just a string');
  });

  it('logs a rejecting async handler without stopping the others or rejecting unhandled', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const after = jest.fn();
      events.on('member.left', () => Promise.reject(new Error('async listener failed')));
      events.on('member.left', after);
      events.emit('member.left', { roomId: 'r', user: { id: 'u', username: 'u', displayName: 'U', createdAt: '' }, kicked: false });
      expect(after).toHaveBeenCalledTimes(1);
      await flushPromises();
      expect(loggerError).toHaveBeenCalledTimes(1);
      expect(String(loggerError.mock.calls[0]?.[0])).toContain('Listener for member.left failed');
      expect(String(loggerError.mock.calls[0]?.[0])).toContain('async listener failed');
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('does not log a resolving async handler', async () => {
    events.on('read.updated', async () => {
      await Promise.resolve();
    });
    events.emit('read.updated', { roomId: 'r', userId: 'u', seq: 1 });
    await flushPromises();
    expect(loggerError).not.toHaveBeenCalled();
  });
});
