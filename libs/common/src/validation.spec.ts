import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested, ValidationError } from 'class-validator';
import { ApiError } from './api-error';
import { assertSafePayload, describeValidationErrors, MAX_PAYLOAD_DEPTH, validatePayload } from './validation';

class InnerDto {
  @IsInt()
  @Min(1)
  count!: number;
}

class SampleDto {
  @IsString()
  @MaxLength(5)
  name!: string;

  @IsOptional()
  @IsInt()
  @Max(150)
  age?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => InnerDto)
  inner?: InnerDto;

  @IsOptional()
  @IsString()
  tag: string = 'none';
}

class AllOptionalDto {
  @IsOptional()
  @IsString()
  note?: string;
}

/** Runs `fn`, expects an ApiError and returns it. */
function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected an ApiError');
}

function validationError(property: string, constraints?: Record<string, string>, children: ValidationError[] = []): ValidationError {
  return Object.assign(new ValidationError(), { property, constraints, children });
}

describe('validatePayload', () => {
  it('returns an instance of the DTO for a valid payload', () => {
    const result = validatePayload(SampleDto, { name: 'ann', age: 30, inner: { count: 2 } });
    expect(result).toBeInstanceOf(SampleDto);
    expect(result.name).toBe('ann');
    expect(result.age).toBe(30);
    expect(result.inner).toBeInstanceOf(InnerDto);
    expect(result.inner?.count).toBe(2);
  });

  it('keeps default values for fields the payload leaves out', () => {
    expect(validatePayload(SampleDto, { name: 'ann' }).tag).toBe('none');
    expect(validatePayload(SampleDto, { name: 'ann', tag: 'x' }).tag).toBe('x');
  });

  it('accepts an object without a prototype (as some parsers produce)', () => {
    const payload = Object.assign(Object.create(null) as Record<string, unknown>, { name: 'ann' });
    expect(validatePayload(SampleDto, payload)).toBeInstanceOf(SampleDto);
  });

  it('accepts an empty object when every field is optional', () => {
    expect(validatePayload(AllOptionalDto, {})).toBeInstanceOf(AllOptionalDto);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an array', [{ name: 'ann' }]],
    ['a string', '{"name":"ann"}'],
    ['a number', 42],
    ['a boolean', true],
    ['a Date', new Date()],
    ['a Map', new Map([['name', 'ann']])],
    ['a class instance', Object.assign(new SampleDto(), { name: 'ann' })],
  ])('rejects %s as not a JSON object', (_label, payload) => {
    const error = apiError(() => validatePayload(SampleDto, payload));
    expect(error.code).toBe('validation_failed');
    expect(error.status).toBe(400);
    expect(error.message).toBe('The payload must be a JSON object');
    expect(error.details).toBeUndefined();
  });

  it('names what was validated in its messages', () => {
    expect(apiError(() => validatePayload(SampleDto, 'x', 'body')).message).toBe('The body must be a JSON object');
    expect(apiError(() => validatePayload(SampleDto, { name: 5 }, 'room:join payload')).message).toMatch(/^Invalid room:join payload: /);
  });

  it('rejects unknown fields', () => {
    const error = apiError(() => validatePayload(SampleDto, { name: 'ann', isAdmin: true }));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe('Invalid payload: property isAdmin should not exist');
    expect(error.details).toEqual({ isAdmin: ['property isAdmin should not exist'] });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects a %s key (as JSON.parse makes it) instead of skipping it', (key) => {
    const payload: unknown = JSON.parse(`{"name":"ann","${key}":{"isAdmin":true}}`);
    const error = apiError(() => validatePayload(SampleDto, payload));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe(`Invalid payload: property ${key} should not exist`);
    expect(error.details).toEqual({ [key]: [`property ${key} should not exist`] });
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('rejects unknown fields inside nested objects', () => {
    const error = apiError(() => validatePayload(SampleDto, { name: 'ann', inner: { count: 1, extra: 1 } }));
    expect(error.details).toEqual({ 'inner.extra': ['property extra should not exist'] });
  });

  it('reports every violated field and every constraint of a field', () => {
    const error = apiError(() => validatePayload(SampleDto, { name: 12345678, age: 'old' }));
    const details = error.details as Record<string, string[]>;
    expect(Object.keys(details).sort()).toEqual(['age', 'name']);
    expect(details.name).toEqual(
      expect.arrayContaining(['name must be a string', 'name must be shorter than or equal to 5 characters']),
    );
    expect(details.age).toEqual(expect.arrayContaining(['age must be an integer number']));
    // The message carries the first problem found.
    expect(error.message).toBe(`Invalid payload: ${Object.values(details)[0]![0]}`);
  });

  it('reports a missing required field', () => {
    const error = apiError(() => validatePayload(SampleDto, {}));
    expect(error.details).toEqual({ name: expect.arrayContaining(['name must be a string']) });
  });

  it('does not coerce types (a numeric string is not an integer)', () => {
    const error = apiError(() => validatePayload(SampleDto, { name: 'ann', age: '30' }));
    expect(Object.keys(error.details as object)).toEqual(['age']);
  });

  it('flattens nested errors into dotted paths', () => {
    const error = apiError(() => validatePayload(SampleDto, { name: 'ann', inner: { count: 0 } }));
    expect(error.details).toEqual({ 'inner.count': ['count must not be less than 1'] });
    expect(error.message).toBe('Invalid payload: count must not be less than 1');
  });

  it('rejects a nested value that is not an object', () => {
    const error = apiError(() => validatePayload(SampleDto, { name: 'ann', inner: 'nope' }));
    const details = error.details as Record<string, string[]>;
    expect(Object.keys(details)).toEqual(['inner']);
    expect(details.inner!.length).toBeGreaterThan(0);
  });

  it('never echoes the rejected value or the target in details', () => {
    const error = apiError(() => validatePayload(SampleDto, { name: 'a-secret-value-too-long' }));
    expect(JSON.stringify(error.details)).not.toContain('a-secret-value-too-long');
  });
});

describe('describeValidationErrors', () => {
  it('returns an empty object for no errors', () => {
    expect(describeValidationErrors([])).toEqual({});
  });

  it('maps each property to its constraint messages', () => {
    const errors = [
      validationError('name', { isString: 'name must be a string', maxLength: 'name is too long' }),
      validationError('age', { isInt: 'age must be an integer' }),
    ];
    expect(describeValidationErrors(errors)).toEqual({
      name: ['name must be a string', 'name is too long'],
      age: ['age must be an integer'],
    });
  });

  it('dots nested paths and skips parents without constraints of their own', () => {
    const errors = [
      validationError('a', undefined, [
        validationError('b', { x: 'b is bad' }, [validationError('c', { y: 'c is bad' })]),
        validationError('0', { z: 'first item is bad' }),
      ]),
    ];
    expect(describeValidationErrors(errors)).toEqual({
      'a.b': ['b is bad'],
      'a.b.c': ['c is bad'],
      'a.0': ['first item is bad'],
    });
  });

  it('prepends a given prefix', () => {
    expect(describeValidationErrors([validationError('x', { k: 'x is bad' })], 'root')).toEqual({ 'root.x': ['x is bad'] });
  });
});

describe('assertSafePayload', () => {
  const problem = (payload: unknown): string | undefined => {
    try {
      assertSafePayload(payload, 'body');
      return undefined;
    } catch (error) {
      return (error as ApiError).message;
    }
  };

  it('refuses U+0000 in any string, naming the field', () => {
    expect(problem({ name: 'a\u0000b' })).toBe('Invalid body: name must not contain the NUL character (U+0000)');
    expect(problem({ list: ['ok', { deep: '\u0000' }] })).toBe('Invalid body: list[1].deep must not contain the NUL character (U+0000)');
  });

  it('refuses numbers JavaScript cannot count exactly', () => {
    expect(problem({ seq: 1e20 })).toMatch(/^Invalid body: seq must be between/);
    expect(problem({ seq: Number.MAX_SAFE_INTEGER + 2 })).toMatch(/seq must be between/);
    expect(problem({ seq: -Infinity })).toMatch(/seq must be between/);
    expect(problem({ seq: Number.MAX_SAFE_INTEGER, ratio: 0.5, negative: -3 })).toBeUndefined();
  });

  it(`refuses nesting beyond ${MAX_PAYLOAD_DEPTH} levels without recursing further`, () => {
    const nest = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
    expect(problem(nest(MAX_PAYLOAD_DEPTH))).toBeUndefined();
    expect(problem(nest(MAX_PAYLOAD_DEPTH + 1))).toMatch(/is nested more than 16 levels deep/);
    expect(problem(nest(100_000))).toMatch(/is nested more than 16 levels deep/);
  });
});
