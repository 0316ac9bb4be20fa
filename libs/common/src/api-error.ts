import { ERROR_STATUS, type AckError, type ErrorBody, type ErrorCode } from '@parley/contract';

/** A domain error that carries one of the contract's codes; every layer maps it the same way. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Seconds, for `rate_limited` (sent as `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }

  /** The HTTP error body; `requestId` is the request's X-Request-Id. */
  toBody(requestId?: string): ErrorBody {
    const body: ErrorBody = { statusCode: this.status, code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    if (requestId !== undefined) body.requestId = requestId;
    return body;
  }

  /** The error of a socket ack; `requestId` is the handled event's id. */
  toAckError(requestId?: string): AckError {
    const error: AckError = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    if (requestId !== undefined) error.requestId = requestId;
    return error;
  }

  static validation(message: string, details?: unknown): ApiError {
    return new ApiError('validation_failed', message, details);
  }
  static unauthorized(message = 'Authentication required'): ApiError {
    return new ApiError('unauthorized', message);
  }
  static forbidden(message = 'You are not allowed to do this'): ApiError {
    return new ApiError('forbidden', message);
  }
  static notFound(what = 'Resource'): ApiError {
    return new ApiError('not_found', `${what} not found`);
  }
  static conflict(message: string): ApiError {
    return new ApiError('conflict', message);
  }
  static rateLimited(retryAfterSeconds: number): ApiError {
    // details repeat the wait for socket clients, which have no Retry-After header.
    return new ApiError('rate_limited', 'Too many requests, slow down', { retryAfterSeconds }, retryAfterSeconds);
  }
  static unavailable(message = 'Service temporarily unavailable'): ApiError {
    return new ApiError('unavailable', message);
  }
  static internal(): ApiError {
    return new ApiError('internal', 'Internal server error');
  }
}
