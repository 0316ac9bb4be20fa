import type { TrustedProxies } from '@parley/config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { acceptableRequestId, newRequestId, REQUEST_ID_HEADER } from './request-context';

/** The id given to this request by requestIdMiddleware (on `res.locals`), if any. */
export function requestIdOf(response: Response): string | undefined {
  const locals = response.locals as { requestId?: unknown } | undefined;
  return typeof locals?.requestId === 'string' ? locals.requestId : undefined;
}

/**
 * Gives every HTTP request an id: the X-Request-Id its peer sent when the peer is a trusted proxy (so a
 * request keeps one id from the edge on), else a new one. The id is sent back as X-Request-Id, put in error
 * bodies and on the error line of the request. Register it before anything that can answer.
 */
export function requestIdMiddleware(trustedProxies: TrustedProxies): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const forwarded = trustedProxies.includes(request.socket.remoteAddress) ? acceptableRequestId(request.headers['x-request-id']) : undefined;
    const id = forwarded ?? newRequestId();
    (response.locals as { requestId?: string }).requestId = id;
    response.setHeader(REQUEST_ID_HEADER, id);
    next();
  };
}
