import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  ImATeapotException,
  InternalServerErrorException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiError } from './api-error';
import { onDatabaseError, toApiError } from './error-mapping';

describe('toApiError', () => {
  describe('ApiError', () => {
    it('passes an ApiError through unchanged and expected', () => {
      const error = ApiError.notFound('Room');
      const result = toApiError(error);
      expect(result.apiError).toBe(error);
      expect(result.unexpected).toBe(false);
    });

    it('passes an ApiError with code internal through as expected (it was thrown on purpose)', () => {
      const error = ApiError.internal();
      expect(toApiError(error)).toEqual({ apiError: error, unexpected: false });
    });
  });

  describe('HttpException', () => {
    it.each([
      ['400', new BadRequestException('Bad thing'), 'validation_failed', 'Bad thing', 400],
      ['401', new UnauthorizedException('Token expired'), 'unauthorized', 'Token expired', 401],
      ['403', new ForbiddenException('Keep out'), 'forbidden', 'Keep out', 403],
      ['404 (message replaced)', new NotFoundException('Cannot GET /nope'), 'not_found', 'Route not found', 404],
      ['409', new ConflictException('Duplicate'), 'conflict', 'Duplicate', 409],
      ['413', new PayloadTooLargeException('huge'), 'payload_too_large', 'Payload too large', 413],
      ['429', new HttpException('Slow down', HttpStatus.TOO_MANY_REQUESTS), 'rate_limited', 'Too many requests, slow down', 429],
      ['other 4xx (418)', new ImATeapotException('Teapot'), 'validation_failed', 'Teapot', 400],
      ['other 4xx (422)', new UnprocessableEntityException('Unprocessable'), 'validation_failed', 'Unprocessable', 400],
    ])('maps %s to an expected error', (_label, exception, code, message, status) => {
      const { apiError, unexpected } = toApiError(exception);
      expect(apiError).toBeInstanceOf(ApiError);
      expect(apiError.code).toBe(code);
      expect(apiError.message).toBe(message);
      expect(apiError.status).toBe(status);
      expect(unexpected).toBe(false);
    });

    it('gives 429 a Retry-After of 60 seconds', () => {
      expect(toApiError(new HttpException('x', 429)).apiError.retryAfterSeconds).toBe(60);
    });

    it.each([
      ['503', new ServiceUnavailableException('redis down'), 'unavailable', 'Service temporarily unavailable', 503],
      ['500', new InternalServerErrorException('SELECT * FROM secrets failed'), 'internal', 'Internal server error', 500],
      ['other 5xx (502)', new BadGatewayException('upstream said no'), 'internal', 'Internal server error', 500],
    ])('maps %s to an unexpected error without leaking its message', (_label, exception, code, message, status) => {
      const { apiError, unexpected } = toApiError(exception);
      expect(apiError.code).toBe(code);
      expect(apiError.message).toBe(message);
      expect(apiError.status).toBe(status);
      expect(unexpected).toBe(true);
    });

    it('uses a plain string response as the message', () => {
      expect(toApiError(new HttpException('Plain words', 400)).apiError.message).toBe('Plain words');
    });

    it('uses the response object message when it is a string', () => {
      expect(toApiError(new HttpException({ message: 'From object', extra: 1 }, 403)).apiError.message).toBe('From object');
    });

    it('falls back to the exception message when the response message is not a string', () => {
      const exception = new BadRequestException(['a must be a string', 'b must be a number']);
      const { apiError } = toApiError(exception);
      expect(apiError.code).toBe('validation_failed');
      expect(apiError.message).toBe(exception.message);
      expect(typeof apiError.message).toBe('string');
    });
  });

  describe('body-parser errors', () => {
    it('maps entity.too.large to payload_too_large', () => {
      const { apiError, unexpected } = toApiError(Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 }));
      expect(apiError.code).toBe('payload_too_large');
      expect(apiError.status).toBe(413);
      expect(apiError.message).toBe('Payload too large');
      expect(unexpected).toBe(false);
    });

    it('maps entity.parse.failed to validation_failed', () => {
      const { apiError, unexpected } = toApiError({ type: 'entity.parse.failed', status: 400, body: '{oops' });
      expect(apiError.code).toBe('validation_failed');
      expect(apiError.message).toBe('Malformed JSON body');
      expect(unexpected).toBe(false);
    });
  });

  describe('objects with a 4xx status', () => {
    it.each([
      [{ status: 400 }, 'validation_failed'],
      [{ status: 401 }, 'unauthorized'],
      [{ statusCode: 403 }, 'forbidden'],
      [{ status: 404 }, 'not_found'],
      [{ status: 409 }, 'conflict'],
      [{ status: 413, type: 'other' }, 'payload_too_large'],
      [{ statusCode: 429 }, 'rate_limited'],
      [{ status: 415 }, 'validation_failed'],
      [{ status: 499 }, 'validation_failed'],
    ])('maps %j to %s, expected', (error, code) => {
      const result = toApiError(error);
      expect(result.apiError.code).toBe(code);
      expect(result.unexpected).toBe(false);
    });

    it('prefers status over statusCode', () => {
      expect(toApiError({ status: 403, statusCode: 409 }).apiError.code).toBe('forbidden');
    });

    it.each([[{ status: 500 }], [{ status: 503 }], [{ status: 399 }], [{ status: '400' }], [{ statusCode: 600 }]])(
      'does not trust %j as a client error',
      (error) => {
        const result = toApiError(error);
        expect(result.apiError.code).toBe('internal');
        expect(result.unexpected).toBe(true);
      },
    );
  });

  describe('PostgreSQL errors', () => {
    it.each(['40001', '40P01'])('maps serialization failure / deadlock %s to a retryable unavailable, expected', (code) => {
      const { apiError, unexpected } = toApiError(Object.assign(new Error('could not serialize access'), { code }));
      expect(apiError.code).toBe('unavailable');
      expect(apiError.status).toBe(503);
      expect(apiError.message).toBe('Please retry');
      expect(unexpected).toBe(false);
    });

    it.each(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '08P01', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'])(
      'maps connection failure %s to unavailable, reported once as an outage rather than logged per request',
      (code) => {
        const kinds: string[] = [];
        const unsubscribe = onDatabaseError((kind) => kinds.push(kind));
        try {
          const { apiError, unexpected } = toApiError(Object.assign(new Error('terminating connection'), { code }));
          expect(apiError.code).toBe('unavailable');
          expect(apiError.message).toBe('Database unavailable, please retry');
          expect(unexpected).toBe(false);
          expect(kinds).toEqual(['connection']);
        } finally {
          unsubscribe();
        }
      },
    );

    it.each(['Connection terminated unexpectedly', 'Client has encountered a connection error and is not queryable', 'Connection terminated due to connection timeout'])(
      'maps the driver error "%s" (no code) to unavailable',
      (message) => {
        expect(toApiError(new Error(message)).apiError.code).toBe('unavailable');
      },
    );

    it('maps any other SQLSTATE to internal, unexpected', () => {
      const { apiError, unexpected } = toApiError(Object.assign(new Error('duplicate key value'), { code: '23505' }));
      expect(apiError.code).toBe('internal');
      expect(unexpected).toBe(true);
    });

    it('ignores a non-string code', () => {
      expect(toApiError({ code: 40001 }).apiError.code).toBe('internal');
    });
  });

  describe('unknown errors', () => {
    it.each([
      ['an Error', new Error('secret stack detail')],
      ['a TypeError', new TypeError('x is undefined')],
      ['a string', 'boom'],
      ['a number', 42],
      ['null', null],
      ['undefined', undefined],
      ['a plain object', { message: 'hi' }],
    ])('maps %s to internal, unexpected, with a generic message', (_label, error) => {
      const { apiError, unexpected } = toApiError(error);
      expect(apiError.code).toBe('internal');
      expect(apiError.status).toBe(500);
      expect(apiError.message).toBe('Internal server error');
      expect(apiError.details).toBeUndefined();
      expect(unexpected).toBe(true);
    });
  });

  it('maps a connection-pool timeout (database overloaded) to unavailable', () => {
    const { apiError, unexpected } = toApiError(new Error('timeout exceeded when trying to connect'));
    expect(apiError.code).toBe('unavailable');
    expect(unexpected).toBe(false);
  });
});
