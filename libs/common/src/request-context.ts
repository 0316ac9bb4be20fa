import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The header that carries a request's id, both ways. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Ids we take from a trusted proxy: printable, no spaces, short (they end up in log lines and bodies). */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:+/=@-]{1,128}$/;

/** What is known about the request or socket event being handled. The id is made when first asked for. */
interface RequestContext {
  id: string | undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function newRequestId(): string {
  return randomUUID();
}

/** An incoming X-Request-Id worth keeping, or undefined (absent, repeated, too long, odd characters). */
export function acceptableRequestId(value: unknown): string | undefined {
  return typeof value === 'string' && ACCEPTABLE_REQUEST_ID.test(value) ? value : undefined;
}

/**
 * Runs `fn` as the handling of one request or socket event: log lines written meanwhile (ContextLogger) and
 * errors answered (toApiError's callers) carry its id. Without an id, one is made only if something asks for
 * it, so an event that logs nothing and fails nothing costs no id.
 */
export function runWithRequestId<T>(id: string | undefined, fn: () => T): T {
  return storage.run({ id }, fn);
}

/** The id of the request or socket event being handled, or undefined outside one. */
export function currentRequestId(): string | undefined {
  const context = storage.getStore();
  if (!context) return undefined;
  context.id ??= newRequestId();
  return context.id;
}
