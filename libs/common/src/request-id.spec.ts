import { TrustedProxies } from '@parley/config';
import type { NextFunction, Request, Response } from 'express';
import { ContextLogger } from './context-logger';
import { ApiError } from './api-error';
import { sendError } from './http-exception.filter';
import { acceptableRequestId, currentRequestId, logForRequest } from './request-context';
import { requestIdMiddleware, requestIdOf } from './request-id.middleware';
import type { Logger } from '@nestjs/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const loopback = TrustedProxies.parse(['127.0.0.1/8', '::1']) as TrustedProxies;

function exchange(remoteAddress: string, requestId?: string | string[]): { request: Request; response: Response; headers: Map<string, string> } {
  const headers = new Map<string, string>();
  const request = { socket: { remoteAddress }, headers: requestId === undefined ? {} : { 'x-request-id': requestId } } as unknown as Request;
  const response = { locals: {}, setHeader: (name: string, value: string) => headers.set(name, value) } as unknown as Response;
  return { request, response, headers };
}

/** Runs the middleware and returns the id it gave and the header it set; next() must be called. */
function run(remoteAddress: string, requestId?: string | string[]): { given: string | undefined; header: string | undefined } {
  const { request, response, headers } = exchange(remoteAddress, requestId);
  const next = jest.fn<void, []>();
  requestIdMiddleware(loopback)(request, response, next as NextFunction);
  expect(next).toHaveBeenCalledWith();
  return { given: requestIdOf(response), header: headers.get('X-Request-Id') };
}

describe('acceptableRequestId', () => {
  it.each(['abc', 'req-1.2:3', 'f'.repeat(128), '3f2b8c1e-6a4d-4e0f-9a57-0c2d5e7b9f14'])('keeps %s', (id) => {
    expect(acceptableRequestId(id)).toBe(id);
  });

  it.each([['empty', ''], ['too long', 'f'.repeat(129)], ['spaces', 'a b'], ['a newline', 'a\nINFO forged'], ['repeated', ['a', 'b']], ['absent', undefined]])(
    'drops one that is %s',
    (_label, id) => {
      expect(acceptableRequestId(id)).toBeUndefined();
    },
  );
});

describe('requestIdMiddleware', () => {
  it('generates an id when none is sent, and sets it as the header', () => {
    const { given, header } = run('203.0.113.9');
    expect(given).toMatch(UUID);
    expect(header).toBe(given);
  });

  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1'])('keeps the id sent by the trusted proxy %s', (peer) => {
    expect(run(peer, 'edge-42')).toEqual({ given: 'edge-42', header: 'edge-42' });
  });

  it.each(['10.0.0.7', '192.168.1.20', '203.0.113.9'])('ignores the id sent by the untrusted peer %s', (peer) => {
    const { given } = run(peer, 'chosen-by-client');
    expect(given).toMatch(UUID);
  });

  it('replaces an unacceptable id from a trusted proxy', () => {
    expect(run('127.0.0.1', 'bad id').given).toMatch(UUID);
  });

  it('gives every request its own id', () => {
    expect(run('203.0.113.9').given).not.toBe(run('203.0.113.9').given);
  });
});

describe('error bodies', () => {
  function capture(): { response: Response; body: () => unknown } {
    let sent: unknown;
    const response = {
      locals: {},
      headersSent: false,
      setHeader: () => undefined,
      status: () => response,
      json: (body: unknown) => {
        sent = body;
        return response;
      },
    } as unknown as Response;
    return { response, body: () => sent };
  }
  const quiet = { error: () => undefined } as unknown as Logger;

  it("carry the request's id", () => {
    const { response, body } = capture();
    (response.locals as { requestId?: string }).requestId = 'req-7';
    sendError(response, ApiError.notFound('Room'), quiet);
    expect(body()).toEqual({ statusCode: 404, code: 'not_found', message: 'Room not found', requestId: 'req-7' });
  });

  it('carry a new id where the response has none (an error before the middleware), also on the error line', () => {
    const { response, body } = capture();
    const lines: Array<string | undefined> = [];
    sendError(response, new Error('boom'), { error: () => lines.push(currentRequestId()) } as unknown as Logger);
    const requestId = (body() as { requestId: string }).requestId;
    expect(requestId).toMatch(UUID);
    expect(lines).toEqual([requestId]);
  });
});

describe('ContextLogger', () => {
  let written: string[];
  let write: jest.SpyInstance;

  beforeEach(() => {
    written = [];
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });

  afterEach(() => write.mockRestore());

  it('puts the id of the request a line is logged for on it, and none on other lines', () => {
    const logger = new ContextLogger({ colors: false });
    logForRequest('req-1', () => logger.log('inside', 'HTTP'));
    logger.log('outside', 'HTTP');
    expect(written[0]).toContain('[HTTP] [req req-1] inside');
    expect(written[1]).toContain('[HTTP] outside');
    expect(written[1]).not.toContain('[req');
  });

  it('adds a requestId field in JSON mode', () => {
    const logger = new ContextLogger({ json: true, colors: false });
    logForRequest('req-2', () => logger.log('inside', 'HTTP'));
    expect(JSON.parse(written[0]!)).toMatchObject({ level: 'log', context: 'HTTP', message: 'inside', requestId: 'req-2' });
  });
});
