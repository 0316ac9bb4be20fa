import { Logger } from '@nestjs/common';
import { type ApiError, toApiError, validatePayload, type Constructor } from '@parley/common';
import type { Ack, ClientEventName } from '@parley/contract';
import type { ParleySocket } from './socket-types';

type AckFn = (response: Ack<unknown>) => void;

const logger = new Logger('Socket');

/**
 * The catch-all for socket handlers: whatever a handler throws becomes `{ ok: false, error }` with a contract
 * code; unexpected errors are logged, never sent. The socket is never dropped for a bad event.
 */
export function toAckFailure(error: unknown): Ack<never> {
  const { apiError, unexpected } = toApiError(error);
  if (unexpected) logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { ok: false, error: apiError.toAckError() };
}

/** Splits socket.io handler arguments into payload and (optional) acknowledgement callback. */
export function splitAck(args: unknown[]): { payload: unknown; ack: AckFn | undefined } {
  const last = args[args.length - 1];
  const ack = typeof last === 'function' ? (last as AckFn) : undefined;
  return { payload: args[0] === last && ack ? undefined : args[0], ack };
}

export type EventHandler<P> = (socket: ParleySocket, payload: P) => Promise<unknown>;

/** Validates the payload against its DTO, runs the handler and answers the ack (if the client sent one). */
export function bindEvent<P extends object>(
  socket: ParleySocket,
  event: ClientEventName,
  dto: Constructor<P>,
  handler: EventHandler<P>,
  admit: () => ApiError | null,
): void {
  socket.on(event, (...args: unknown[]) => {
    const { payload, ack } = splitAck(args);
    const run = async (): Promise<unknown> => {
      const refusal = admit();
      if (refusal) throw refusal;
      return handler(socket, validatePayload(dto, payload, `${event} payload`));
    };
    run().then(
      (data) => ack?.({ ok: true, data: data ?? {} }),
      (error: unknown) => {
        const failure = toAckFailure(error); // logs unexpected errors even when nobody listens for the ack
        ack?.(failure);
      },
    );
  });
}
