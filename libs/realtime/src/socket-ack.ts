import { Logger } from '@nestjs/common';
import { ApiError, logForRequest, newRequestId, toApiError, validatePayload, type Constructor } from '@parley/common';
import type { Ack, ClientEventName } from '@parley/contract';
import type { ParleySocket } from './socket-types';

type AckFn = (response: Ack<unknown>) => void;

const logger = new Logger('Socket');

/**
 * The catch-all for socket handlers: whatever a handler throws becomes `{ ok: false, error }` with a contract
 * code and an id for the failed event (`requestId`, also on its error line); unexpected errors are logged,
 * never sent. The socket is never dropped for a bad event.
 */
export function toAckFailure(error: unknown, requestId: string = newRequestId()): Ack<never> {
  const { apiError, unexpected } = toApiError(error);
  if (unexpected) logForRequest(requestId, () => logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error)));
  return { ok: false, error: apiError.toAckError(requestId) };
}

/** Splits socket.io handler arguments into payload and (optional) acknowledgement callback. */
export function splitAck(args: unknown[]): { payload: unknown; ack: AckFn | undefined } {
  const last = args[args.length - 1];
  const ack = typeof last === 'function' ? (last as AckFn) : undefined;
  return { payload: args[0] === last && ack ? undefined : args[0], ack };
}

/** What a client event runs: its payload's DTO, and the handler given the socket and the validated payload. */
export interface EventRoute<P extends object> {
  dto: Constructor<P>;
  // A method, so that a route of a specific DTO is also an EventRoute<object>.
  handle(socket: ParleySocket, payload: P): Promise<unknown>;
}

export const route = <P extends object>(dto: Constructor<P>, handle: (socket: ParleySocket, payload: P) => Promise<unknown>): EventRoute<P> => ({
  dto,
  handle,
});

/** The routes of every client event, shared by all sockets; a Map, so no event name reaches Object's own keys. */
export type EventRoutes = ReadonlyMap<string, EventRoute<object>>;

export const eventRoutes = (routes: Readonly<Partial<Record<ClientEventName, EventRoute<object>>>>): EventRoutes => new Map(Object.entries(routes));

/**
 * Answers every event of a socket through one listener and the shared routes: nothing per event and socket
 * but that listener (seven listeners and their closures per socket cost 1.8 KiB of an idle connection). Each
 * event is first admitted (budget, shutdown, the user's activity for their status); a known one is validated against its DTO and run, an unknown
 * one gets a clear error. The ack (if the client sent one) gets the contract's shape; the socket is never
 * dropped for a bad event.
 */
export function dispatchEvents(socket: ParleySocket, routes: EventRoutes, admit: (event: unknown) => ApiError | null): void {
  // An event's id is made only if it fails (toAckFailure).
  socket.onAny((event: unknown, ...args: unknown[]) => handleEvent(socket, routes, admit, event, args));
}

function handleEvent(socket: ParleySocket, routes: EventRoutes, admit: (event: unknown) => ApiError | null, event: unknown, args: unknown[]): void {
  const { payload, ack } = splitAck(args);
  const run = async (): Promise<unknown> => {
    const refusal = admit(event);
    if (refusal) throw refusal;
    const target = typeof event === 'string' ? routes.get(event) : undefined;
    if (!target) throw ApiError.validation(`Unknown event "${String(event).slice(0, 64)}"`);
    return target.handle(socket, validatePayload(target.dto, payload, `${String(event)} payload`));
  };
  run().then(
    (data) => ack?.({ ok: true, data: data ?? {} }),
    (error: unknown) => {
      const failure = toAckFailure(error); // logs unexpected errors even when nobody listens for the ack
      ack?.(failure);
    },
  );
}
