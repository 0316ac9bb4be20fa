import { HttpException } from '@nestjs/common';
import { isConnectionFailure, isDatabaseError, isSerializationFailure } from '@parley/database';
import { ApiError } from './api-error';

/** `connection`: the database could not be reached or dropped the connection (the request may be retried). */
export type DatabaseErrorKind = 'connection' | 'statement';
type DatabaseErrorListener = (kind: DatabaseErrorKind, error: unknown) => void;
const databaseErrorListeners = new Set<DatabaseErrorListener>();

/** Called for every request that fails on a database error (metrics, the outage log); returns the unsubscribe. */
export function onDatabaseError(listener: DatabaseErrorListener): () => void {
  databaseErrorListeners.add(listener);
  return () => databaseErrorListeners.delete(listener);
}

function notify(kind: DatabaseErrorKind, error: unknown): void {
  for (const listener of databaseErrorListeners) listener(kind, error);
}

function statusToError(status: number, message: string): ApiError {
  switch (status) {
    case 400:
      return ApiError.validation(message);
    case 401:
      return ApiError.unauthorized(message);
    case 403:
      return ApiError.forbidden(message);
    case 404:
      return ApiError.notFound('Route');
    case 409:
      return ApiError.conflict(message);
    case 413:
      return new ApiError('payload_too_large', 'Payload too large');
    case 429:
      return ApiError.rateLimited(60);
    case 503:
      return ApiError.unavailable();
    default:
      return status >= 500 ? ApiError.internal() : ApiError.validation(message);
  }
}

function errorField(error: unknown, field: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[field] : undefined;
}

/**
 * Maps anything thrown by a handler to an ApiError. The one place where framework, driver and body-parser
 * errors become contract codes, used by the HTTP filter and the socket dispatcher alike.
 * Returns `unexpected: true` for errors that deserve a log line with the stack.
 */
export function toApiError(error: unknown): { apiError: ApiError; unexpected: boolean } {
  if (error instanceof ApiError) return { apiError: error, unexpected: false };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail = typeof response === 'string' ? response : errorField(response, 'message');
    const message = typeof detail === 'string' ? detail : error.message;
    return { apiError: statusToError(status, message), unexpected: status >= 500 };
  }
  // body-parser errors (express): { type: 'entity.too.large' | 'entity.parse.failed', status }
  const type = errorField(error, 'type');
  if (type === 'entity.too.large') return { apiError: new ApiError('payload_too_large', 'Payload too large'), unexpected: false };
  if (type === 'entity.parse.failed') return { apiError: ApiError.validation('Malformed JSON body'), unexpected: false };
  const status = errorField(error, 'status') ?? errorField(error, 'statusCode');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { apiError: statusToError(status, 'Bad request'), unexpected: false };
  }
  // Every connection-level failure is worth a retry: the SDK retries `unavailable`. The outage is logged once
  // (DatabaseOutageMonitor), not per request.
  if (isConnectionFailure(error)) {
    notify('connection', error);
    return { apiError: ApiError.unavailable('Database unavailable, please retry'), unexpected: false };
  }
  if (isDatabaseError(error)) notify('statement', error);
  if (isSerializationFailure(error)) return { apiError: new ApiError('unavailable', 'Please retry'), unexpected: false };
  return { apiError: ApiError.internal(), unexpected: true };
}
