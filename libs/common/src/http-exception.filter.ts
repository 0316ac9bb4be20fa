import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { toApiError } from './error-mapping';
import { logForRequest, newRequestId } from './request-context';
import { requestIdOf } from './request-id.middleware';

/** The one catch-all filter for HTTP: every error leaves as the contract's JSON body, never a stack trace. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    sendError(response, exception, this.logger);
  }
}

/**
 * Also used as an express error middleware for errors raised before Nest's routing (body parsing). The body
 * carries the request's id (requestIdMiddleware), and so does the log line of an unexpected error.
 */
export function sendError(response: Response, exception: unknown, logger: Logger): void {
  const { apiError, unexpected } = toApiError(exception);
  const requestId = requestIdOf(response) ?? newRequestId();
  if (unexpected) logForRequest(requestId, () => logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)));
  if (response.headersSent) {
    response.end();
    return;
  }
  if (apiError.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(apiError.retryAfterSeconds));
  response.status(apiError.status).json(apiError.toBody(requestId));
}
