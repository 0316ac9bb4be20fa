import { Logger } from '@nestjs/common';
import { ApiError, currentRequestId } from '@parley/common';
import type { Ack } from '@parley/contract';
import { IsInt, IsString, Min } from 'class-validator';
import { dispatchEvents, eventRoutes, route, splitAck, toAckFailure } from './socket-ack';
import type { ParleySocket } from './socket-types';
import { fake } from '../../../test/support/unit';

class PingDto {
  @IsString()
  roomId!: string;

  @IsInt()
  @Min(0)
  seq!: number;
}

type Listener = (...args: unknown[]) => void;

/** The id each handled event gets (in its error acks and log lines). */
const EVENT_ID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

function fakeSocket(): { socket: ParleySocket; fire: (event: string, ...args: unknown[]) => void; onAny: jest.Mock } {
  let listener: Listener | undefined;
  const onAny = jest.fn((registered: Listener): ParleySocket => {
    listener = registered;
    return socket;
  });
  const socket = fake<ParleySocket>({ id: 'socket-1', onAny });
  const fire = (event: string, ...args: unknown[]): void => {
    if (!listener) throw new Error('no listener');
    listener(event, ...args);
  };
  return { socket, fire, onAny };
}

/** Lets the handler's promise chain settle. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('splitAck', () => {
  const ack = (): void => undefined;

  it('splits payload and ack', () => {
    const payload = { roomId: 'r' };
    expect(splitAck([payload, ack])).toEqual({ payload, ack });
  });

  it('treats a lone function as the ack, with no payload', () => {
    expect(splitAck([ack])).toEqual({ payload: undefined, ack });
  });

  it('treats a lone value as the payload, with no ack', () => {
    expect(splitAck([{ a: 1 }])).toEqual({ payload: { a: 1 }, ack: undefined });
    expect(splitAck(['text'])).toEqual({ payload: 'text', ack: undefined });
  });

  it('handles no arguments', () => {
    expect(splitAck([])).toEqual({ payload: undefined, ack: undefined });
  });

  it('ignores extra arguments between payload and ack', () => {
    expect(splitAck([{ a: 1 }, 'extra', ack])).toEqual({ payload: { a: 1 }, ack });
  });

  it('does not take a non-function last argument as the ack', () => {
    expect(splitAck([{ a: 1 }, 'not-a-callback'])).toEqual({ payload: { a: 1 }, ack: undefined });
  });
});

describe('toAckFailure', () => {
  let loggerError: jest.SpiedFunction<Logger['error']>;

  beforeEach(() => {
    loggerError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    loggerError.mockRestore();
  });

  it('turns an ApiError into a failed ack with its code, message and details', () => {
    expect(toAckFailure(ApiError.validation('Invalid', { seq: ['bad'] }), 'ev-1')).toEqual({
      ok: false,
      error: { code: 'validation_failed', message: 'Invalid', details: { seq: ['bad'] }, requestId: 'ev-1' },
    });
    expect(loggerError).not.toHaveBeenCalled();
  });

  it('maps an expected infrastructure error without logging it', () => {
    expect(toAckFailure(Object.assign(new Error('serialization'), { code: '40001' }))).toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'Please retry', requestId: expect.any(String) },
    });
    expect(loggerError).not.toHaveBeenCalled();
  });

  it('turns an unexpected error into internal, logging the stack but never sending it', () => {
    const error = new Error('connection string postgres://admin:hunter2@db');
    const ack = toAckFailure(error);
    expect(ack).toEqual({ ok: false, error: { code: 'internal', message: 'Internal server error', requestId: expect.any(String) } });
    expect(JSON.stringify(ack)).not.toContain('hunter2');
    expect(loggerError).toHaveBeenCalledWith(error.stack);
  });

  it('logs a non-Error as a string', () => {
    toAckFailure('weird');
    expect(loggerError).toHaveBeenCalledWith('weird');
  });
});

describe('dispatchEvents', () => {
  let loggerError: jest.SpiedFunction<Logger['error']>;
  let admit: jest.Mock<ApiError | null, []>;

  beforeEach(() => {
    loggerError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    admit = jest.fn<ApiError | null, []>().mockReturnValue(null);
  });

  afterEach(() => {
    loggerError.mockRestore();
  });

  function bind(handler: jest.Mock<Promise<unknown>, [ParleySocket, PingDto]>): ReturnType<typeof fakeSocket> {
    const fake = fakeSocket();
    dispatchEvents(fake.socket, eventRoutes({ 'message:read': route(PingDto, handler) }), admit);
    return fake;
  }

  const handlerReturning = (value: unknown): jest.Mock<Promise<unknown>, [ParleySocket, PingDto]> =>
    jest.fn<Promise<unknown>, [ParleySocket, PingDto]>().mockResolvedValue(value);

  it('registers one listener for every event of the socket', () => {
    const { onAny } = bind(handlerReturning(undefined));
    expect(onAny).toHaveBeenCalledTimes(1);
  });

  it.each(['message:sned', 'constructor', '__proto__', 'toString'])('acks validation_failed for the unknown event %s, counted by admit', async (event) => {
    const handler = handlerReturning(undefined);
    const { fire } = bind(handler);
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire(event, { roomId: 'r1', seq: 1 }, ack);
    await settle();
    expect(handler).not.toHaveBeenCalled();
    expect(admit).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith({ ok: false, error: { code: 'validation_failed', message: `Unknown event "${event}"`, requestId: EVENT_ID } });
  });

  it('answers an event name that is not a string, cut to 64 characters when long', async () => {
    const { fire } = bind(handlerReturning(undefined));
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire(42 as unknown as string, ack);
    fire('x'.repeat(100), ack);
    await settle();
    expect(ack.mock.calls.map(([response]) => (response.ok ? null : response.error.message))).toEqual([
      'Unknown event "42"',
      `Unknown event "${'x'.repeat(64)}"`,
    ]);
  });

  it('refuses an unknown event with admit’s refusal first', async () => {
    admit.mockReturnValue(ApiError.rateLimited(3));
    const { fire } = bind(handlerReturning(undefined));
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('nope', ack);
    await settle();
    expect(ack).toHaveBeenCalledWith({ ok: false, error: expect.objectContaining({ code: 'rate_limited' }) });
  });

  it('runs the handler with the socket and a validated DTO, and acks ok with its result', async () => {
    const handler = handlerReturning({ seq: 7 });
    const { socket, fire } = bind(handler);
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('message:read', { roomId: 'r1', seq: 7 }, ack);
    await settle();
    expect(handler).toHaveBeenCalledTimes(1);
    const [calledSocket, payload] = handler.mock.calls[0]!;
    expect(calledSocket).toBe(socket);
    expect(payload).toBeInstanceOf(PingDto);
    expect(payload).toEqual(Object.assign(new PingDto(), { roomId: 'r1', seq: 7 }));
    expect(ack).toHaveBeenCalledWith({ ok: true, data: { seq: 7 } });
    expect(ack).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
  ])('acks ok with {} when the handler resolves %s', async (_label, value) => {
    const { fire } = bind(handlerReturning(value));
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('message:read', { roomId: 'r1', seq: 1 }, ack);
    await settle();
    expect(ack).toHaveBeenCalledWith({ ok: true, data: {} });
  });

  it('keeps falsy results other than null/undefined', async () => {
    const { fire } = bind(handlerReturning(0));
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('message:read', { roomId: 'r1', seq: 1 }, ack);
    await settle();
    expect(ack).toHaveBeenCalledWith({ ok: true, data: 0 });
  });

  it('acks validation_failed for an invalid payload without running the handler', async () => {
    const handler = handlerReturning(undefined);
    const { fire } = bind(handler);
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('message:read', { roomId: 'r1', seq: -1, extra: true }, ack);
    await settle();
    expect(handler).not.toHaveBeenCalled();
    const response = ack.mock.calls[0]![0];
    expect(response.ok).toBe(false);
    if (response.ok) return;
    expect(response.error.code).toBe('validation_failed');
    expect(response.error.message).toMatch(/^Invalid message:read payload: /);
    expect(response.error.details).toEqual({
      seq: ['seq must not be less than 0'],
      extra: ['property extra should not exist'],
    });
  });

  it('acks validation_failed when only an ack is sent (no payload)', async () => {
    const handler = handlerReturning(undefined);
    const { fire } = bind(handler);
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('message:read', ack);
    await settle();
    expect(handler).not.toHaveBeenCalled();
    expect(ack).toHaveBeenCalledWith({
      ok: false,
      error: { code: 'validation_failed', message: 'The message:read payload must be a JSON object', requestId: EVENT_ID },
    });
  });

  it('acks the refusal from admit without validating or running the handler', async () => {
    admit.mockReturnValue(ApiError.rateLimited(3));
    const handler = handlerReturning(undefined);
    const { fire } = bind(handler);
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('message:read', 'not even an object', ack);
    await settle();
    expect(admit).toHaveBeenCalledTimes(1);
    expect(handler).not.toHaveBeenCalled();
    expect(ack).toHaveBeenCalledWith({
      ok: false,
      error: expect.objectContaining({ code: 'rate_limited', message: 'Too many requests, slow down' }),
    });
  });

  it('asks admit on every event', async () => {
    const { fire } = bind(handlerReturning(undefined));
    fire('message:read', { roomId: 'r1', seq: 1 }, jest.fn());
    fire('message:read', { roomId: 'r1', seq: 2 }, jest.fn());
    await settle();
    expect(admit).toHaveBeenCalledTimes(2);
  });

  it('acks the code of an ApiError thrown by the handler', async () => {
    const handler = jest.fn<Promise<unknown>, [ParleySocket, PingDto]>().mockRejectedValue(ApiError.forbidden('Members only'));
    const { fire } = bind(handler);
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('message:read', { roomId: 'r1', seq: 1 }, ack);
    await settle();
    expect(ack).toHaveBeenCalledWith({ ok: false, error: { code: 'forbidden', message: 'Members only', requestId: EVENT_ID } });
    expect(loggerError).not.toHaveBeenCalled();
  });

  it('acks internal for an unexpected handler error, logging it but never sending the stack', async () => {
    const error = new Error('relation "secret_table" does not exist');
    const handler = jest.fn<Promise<unknown>, [ParleySocket, PingDto]>().mockRejectedValue(error);
    const { fire } = bind(handler);
    const ack = jest.fn<void, [Ack<unknown>]>();
    fire('message:read', { roomId: 'r1', seq: 1 }, ack);
    await settle();
    expect(ack).toHaveBeenCalledWith({ ok: false, error: { code: 'internal', message: 'Internal server error', requestId: EVENT_ID } });
    const sent = JSON.stringify(ack.mock.calls);
    expect(sent).not.toContain('secret_table');
    expect(sent).not.toContain('socket-ack');
    expect(loggerError).toHaveBeenCalledWith(error.stack);
  });

  it('gives each failed event its own id on its ack, and leaves no id behind for later log lines', async () => {
    const handler = jest.fn<Promise<unknown>, [ParleySocket, PingDto]>().mockImplementation(async () => {
      await Promise.resolve();
      throw ApiError.forbidden('Members only');
    });
    const { fire } = bind(handler);
    const acks = [jest.fn<void, [Ack<unknown>]>(), jest.fn<void, [Ack<unknown>]>()];
    fire('message:read', { roomId: 'r1', seq: 1 }, acks[0]);
    fire('message:read', { roomId: 'r1', seq: 2 }, acks[1]);
    await settle();
    const ids = acks.map((ack) => (ack.mock.calls[0]![0] as { error: { requestId: string } }).error.requestId);
    expect(ids).toEqual([EVENT_ID, EVENT_ID]);
    expect(ids[0]).not.toBe(ids[1]);
    expect(currentRequestId()).toBeUndefined();
  });

  it('acks internal when the handler throws synchronously', async () => {
    const handler = jest.fn<Promise<unknown>, [ParleySocket, PingDto]>().mockImplementation(() => {
      throw new Error('sync failure');
    });
    const { fire } = bind(handler);
    const ack = jest.fn<void, [Ack<unknown>]>();
    expect(() => fire('message:read', { roomId: 'r1', seq: 1 }, ack)).not.toThrow();
    await settle();
    expect(ack).toHaveBeenCalledWith({ ok: false, error: { code: 'internal', message: 'Internal server error', requestId: EVENT_ID } });
  });

  describe('without an ack callback', () => {
    let unhandled: jest.Mock;

    beforeEach(() => {
      unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
    });

    afterEach(() => {
      process.off('unhandledRejection', unhandled);
    });

    it('still runs the handler with the payload', async () => {
      const handler = handlerReturning({ done: true });
      const { fire } = bind(handler);
      expect(() => fire('message:read', { roomId: 'r1', seq: 3 })).not.toThrow();
      await settle();
      expect(handler).toHaveBeenCalledTimes(1);
      expect(handler.mock.calls[0]![1].seq).toBe(3);
      expect(unhandled).not.toHaveBeenCalled();
    });

    it('does not crash on a bad payload or a failing handler', async () => {
      const failing = jest.fn<Promise<unknown>, [ParleySocket, PingDto]>().mockRejectedValue(new Error('boom'));
      const { fire } = bind(failing);
      expect(() => fire('message:read', { nope: 1 })).not.toThrow();
      expect(() => fire('message:read', { roomId: 'r1', seq: 1 })).not.toThrow();
      expect(() => fire('message:read')).not.toThrow();
      await settle();
      expect(failing).toHaveBeenCalledTimes(1);
      expect(unhandled).not.toHaveBeenCalled();
    });
  });
});
