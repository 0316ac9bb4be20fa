import type { ErrorCode } from '@parley/contract';

/** A contract error from the server (REST body or socket ack), or a network failure (`status` 0). */
export class ParleyError extends Error {
  constructor(
    readonly code: ErrorCode | 'network',
    message: string,
    readonly status = 0,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ParleyError';
  }
}
