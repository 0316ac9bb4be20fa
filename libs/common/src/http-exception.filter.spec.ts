import { type ArgumentsHost, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from './api-error';
import { HttpExceptionFilter, sendError } from './http-exception.filter';

interface FakeResponse {
  headersSent: boolean;
  status: jest.Mock;
  json: jest.Mock;
  setHeader: jest.Mock;
  end: jest.Mock;
}

function fakeResponse(headersSent = false): FakeResponse {
  const response: FakeResponse = { headersSent, status: jest.fn(), json: jest.fn(), setHeader: jest.fn(), end: jest.fn() };
  response.status.mockReturnValue(response);
  response.json.mockReturnValue(response);
  return response;
}

function fakeLogger(): { logger: Logger; error: jest.Mock } {
  const error = jest.fn();
  return { logger: { error } as unknown as Logger, error };
}

const asResponse = (response: FakeResponse): Response => response as unknown as Response;

describe('sendError', () => {
  it('sends the ApiError as the contract body with its status', () => {
    const response = fakeResponse();
    const { logger, error } = fakeLogger();
    sendError(asResponse(response), ApiError.notFound('Room'), logger);
    expect(response.status).toHaveBeenCalledWith(404);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 404, code: 'not_found', message: 'Room not found', requestId: expect.any(String) });
    expect(response.setHeader).not.toHaveBeenCalled();
    expect(response.end).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('includes validation details in the body', () => {
    const response = fakeResponse();
    sendError(asResponse(response), ApiError.validation('Invalid body', { name: ['too long'] }), fakeLogger().logger);
    expect(response.status).toHaveBeenCalledWith(400);
    expect(response.json).toHaveBeenCalledWith({
      statusCode: 400,
      code: 'validation_failed',
      message: 'Invalid body',
      details: { name: ['too long'] },
      requestId: expect.any(String),
    });
  });

  it('sets Retry-After for rate_limited before sending', () => {
    const response = fakeResponse();
    sendError(asResponse(response), ApiError.rateLimited(7), fakeLogger().logger);
    expect(response.setHeader).toHaveBeenCalledWith('Retry-After', '7');
    expect(response.setHeader.mock.invocationCallOrder[0]).toBeLessThan(response.status.mock.invocationCallOrder[0]!);
    expect(response.status).toHaveBeenCalledWith(429);
    expect(response.json).toHaveBeenCalledWith(
      expect.objectContaining({ statusCode: 429, code: 'rate_limited', message: 'Too many requests, slow down' }),
    );
  });

  it('maps a framework error (body-parser) without logging it', () => {
    const response = fakeResponse();
    const { logger, error } = fakeLogger();
    sendError(asResponse(response), { type: 'entity.too.large', status: 413 }, logger);
    expect(response.status).toHaveBeenCalledWith(413);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 413, code: 'payload_too_large', message: 'Payload too large', requestId: expect.any(String) });
    expect(error).not.toHaveBeenCalled();
  });

  it('logs an unexpected error with its stack but never leaks it in the body', () => {
    const response = fakeResponse();
    const { logger, error } = fakeLogger();
    const exception = new Error('password=hunter2 in connection string');
    sendError(asResponse(response), exception, logger);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith(exception.stack);
    expect(response.status).toHaveBeenCalledWith(500);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 500, code: 'internal', message: 'Internal server error', requestId: expect.any(String) });
    const sent = JSON.stringify(response.json.mock.calls);
    expect(sent).not.toContain('hunter2');
    expect(sent).not.toContain('at ');
  });

  it('logs the message of an unexpected Error without a stack', () => {
    const { logger, error } = fakeLogger();
    const exception = new Error('no stack here');
    exception.stack = undefined;
    sendError(asResponse(fakeResponse()), exception, logger);
    expect(error).toHaveBeenCalledWith('no stack here');
  });

  it('logs a thrown non-Error as a string', () => {
    const { logger, error } = fakeLogger();
    sendError(asResponse(fakeResponse()), 'kaput', logger);
    expect(error).toHaveBeenCalledWith('kaput');
  });

  it('answers 503 to a database outage without a log line per request (the outage monitor logs it once)', () => {
    const response = fakeResponse();
    const { logger, error } = fakeLogger();
    sendError(asResponse(response), Object.assign(new Error('terminating connection'), { code: '57P01' }), logger);
    expect(error).not.toHaveBeenCalled();
    expect(response.status).toHaveBeenCalledWith(503);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 503, code: 'unavailable', message: 'Database unavailable, please retry', requestId: expect.any(String) });
  });

  it('only ends the response when headers were already sent', () => {
    const response = fakeResponse(true);
    const { logger, error } = fakeLogger();
    sendError(asResponse(response), ApiError.rateLimited(3), logger);
    expect(response.end).toHaveBeenCalledTimes(1);
    expect(response.status).not.toHaveBeenCalled();
    expect(response.json).not.toHaveBeenCalled();
    expect(response.setHeader).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('still logs an unexpected error when headers were already sent', () => {
    const response = fakeResponse(true);
    const { logger, error } = fakeLogger();
    sendError(asResponse(response), new Error('late failure'), logger);
    expect(error).toHaveBeenCalledTimes(1);
    expect(response.end).toHaveBeenCalledTimes(1);
    expect(response.json).not.toHaveBeenCalled();
  });
});

describe('HttpExceptionFilter', () => {
  let loggerError: jest.SpiedFunction<Logger['error']>;

  beforeEach(() => {
    loggerError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    loggerError.mockRestore();
  });

  function fakeHost(response: FakeResponse): { host: ArgumentsHost; switchToHttp: jest.Mock } {
    const switchToHttp = jest.fn(() => ({ getResponse: () => response }));
    return { host: { switchToHttp } as unknown as ArgumentsHost, switchToHttp };
  }

  it('writes the error to the HTTP response of the host', () => {
    const response = fakeResponse();
    const { host, switchToHttp } = fakeHost(response);
    new HttpExceptionFilter().catch(ApiError.forbidden('Owners only'), host);
    expect(switchToHttp).toHaveBeenCalled();
    expect(response.status).toHaveBeenCalledWith(403);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 403, code: 'forbidden', message: 'Owners only', requestId: expect.any(String) });
    expect(loggerError).not.toHaveBeenCalled();
  });

  it('logs unexpected errors through its logger and answers internal', () => {
    const response = fakeResponse();
    const exception = new Error('kaboom');
    new HttpExceptionFilter().catch(exception, fakeHost(response).host);
    expect(loggerError).toHaveBeenCalledWith(exception.stack);
    expect(response.status).toHaveBeenCalledWith(500);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 500, code: 'internal', message: 'Internal server error', requestId: expect.any(String) });
  });
});
