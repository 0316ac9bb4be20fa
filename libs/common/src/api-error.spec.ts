import { ERROR_STATUS, type ErrorCode } from '@parley/contract';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from './api-error';

/** The codes and statuses docs/api-contract.md promises (its "Codes:" sentence), read from the document itself. */
function documentedStatuses(): Record<string, number> {
  const contract = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api-contract.md'), 'utf8');
  const sentence = /Codes: ([\s\S]*?)\.\s/.exec(contract)?.[1] ?? '';
  return Object.fromEntries([...sentence.matchAll(/`([a-z_]+)` (\d{3})/g)].map(([, code, status]) => [code!, Number(status)]));
}

describe('ApiError', () => {
  it('answers every code with the HTTP status the contract documents for it, and knows no other code', () => {
    const documented = documentedStatuses();
    expect(Object.keys(documented).length).toBeGreaterThanOrEqual(12);
    const actual = Object.fromEntries((Object.keys(ERROR_STATUS) as ErrorCode[]).map((code) => [code, new ApiError(code, 'm').status]));
    expect(actual).toEqual(documented);
  });

  it('is an Error with its own name and message', () => {
    const error = new ApiError('conflict', 'Already there');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ApiError');
    expect(error.message).toBe('Already there');
    expect(error.code).toBe('conflict');
    expect(error.details).toBeUndefined();
    expect(error.retryAfterSeconds).toBeUndefined();
  });

  describe('toBody', () => {
    it('has statusCode, code and message, and no details key without details', () => {
      const body = new ApiError('forbidden', 'No').toBody();
      expect(body).toEqual({ statusCode: 403, code: 'forbidden', message: 'No' });
      expect(body).not.toHaveProperty('details');
    });

    it('includes details when given', () => {
      const details = { name: ['name must be a string'] };
      expect(new ApiError('validation_failed', 'Invalid body', details).toBody()).toEqual({
        statusCode: 400,
        code: 'validation_failed',
        message: 'Invalid body',
        details,
      });
    });

    it('keeps falsy but defined details', () => {
      expect(new ApiError('conflict', 'x', null).toBody()).toHaveProperty('details', null);
      expect(new ApiError('conflict', 'x', 0).toBody()).toHaveProperty('details', 0);
    });

    it('carries the contract fields for rate_limited (the wait also travels as a Retry-After header)', () => {
      expect(ApiError.rateLimited(5).toBody()).toEqual(
        expect.objectContaining({ statusCode: 429, code: 'rate_limited', message: 'Too many requests, slow down' }),
      );
    });
  });

  describe('toAckError', () => {
    it('has code and message but no statusCode', () => {
      const ack = new ApiError('not_found', 'Room not found').toAckError();
      expect(ack).toEqual({ code: 'not_found', message: 'Room not found' });
      expect(ack).not.toHaveProperty('details');
      expect(ack).not.toHaveProperty('statusCode');
    });

    it('includes details when given', () => {
      expect(ApiError.validation('Invalid', { a: ['bad'] }).toAckError()).toEqual({
        code: 'validation_failed',
        message: 'Invalid',
        details: { a: ['bad'] },
      });
    });
  });

  describe('static helpers', () => {
    it('validation', () => {
      const error = ApiError.validation('Bad input', { x: ['y'] });
      expect([error.code, error.status, error.message, error.details]).toEqual(['validation_failed', 400, 'Bad input', { x: ['y'] }]);
      expect(ApiError.validation('Bad input').details).toBeUndefined();
    });

    it('unauthorized, with default and custom message', () => {
      expect(ApiError.unauthorized()).toMatchObject({ code: 'unauthorized', status: 401, message: 'Authentication required' });
      expect(ApiError.unauthorized('Expired').message).toBe('Expired');
    });

    it('forbidden, with default and custom message', () => {
      expect(ApiError.forbidden()).toMatchObject({ code: 'forbidden', status: 403, message: 'You are not allowed to do this' });
      expect(ApiError.forbidden('Owners only').message).toBe('Owners only');
    });

    it('notFound names what was not found', () => {
      expect(ApiError.notFound()).toMatchObject({ code: 'not_found', status: 404, message: 'Resource not found' });
      expect(ApiError.notFound('Room').message).toBe('Room not found');
    });

    it('conflict', () => {
      expect(ApiError.conflict('Taken')).toMatchObject({ code: 'conflict', status: 409, message: 'Taken' });
    });

    it('rateLimited carries retryAfterSeconds', () => {
      const error = ApiError.rateLimited(7);
      expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterSeconds: 7 });
      expect(ApiError.rateLimited(1).retryAfterSeconds).toBe(1);
    });

    it('unavailable, with default and custom message', () => {
      expect(ApiError.unavailable()).toMatchObject({ code: 'unavailable', status: 503, message: 'Service temporarily unavailable' });
      expect(ApiError.unavailable('Database unavailable').message).toBe('Database unavailable');
    });

    it('internal has a fixed, detail-free message', () => {
      const error = ApiError.internal();
      expect(error).toMatchObject({ code: 'internal', status: 500, message: 'Internal server error' });
      expect(error.toBody()).toEqual({ statusCode: 500, code: 'internal', message: 'Internal server error' });
    });
  });
});
