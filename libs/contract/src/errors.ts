/** Machine-readable error codes of the contract (section 0) and their HTTP statuses. */
export const ERROR_STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  username_taken: 409,
  room_name_taken: 409,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
  /** The request's id (also its X-Request-Id header): quote it when reporting a problem; the server's log lines carry it. */
  requestId?: string;
}

export interface AckError {
  code: ErrorCode;
  message: string;
  details?: unknown;
  /** The handled event's id: quote it when reporting a problem; the server's log lines carry it. */
  requestId?: string;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };
