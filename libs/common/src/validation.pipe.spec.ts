import type { ArgumentMetadata } from '@nestjs/common';
import { IsInt, IsOptional, IsString } from 'class-validator';
import { ApiError } from './api-error';
import { ValidationPipe } from './validation.pipe';

class CreateThingDto {
  @IsString()
  name!: string;
}

class FilterDto {
  @IsOptional()
  @IsInt()
  limit?: number;
}

function caught(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected an ApiError');
}

describe('ValidationPipe', () => {
  const pipe = new ValidationPipe();

  const passThrough: Array<[string, ArgumentMetadata, unknown]> = [
    ['no metatype', { type: 'body' }, { anything: true }],
    ['String', { type: 'param', metatype: String, data: 'id' }, 'abc'],
    ['Number', { type: 'query', metatype: Number, data: 'n' }, '12'],
    ['Boolean', { type: 'query', metatype: Boolean }, 'true'],
    ['Object', { type: 'body', metatype: Object }, { free: 'form' }],
    ['Array', { type: 'body', metatype: Array }, [1, 2]],
  ];

  it.each(passThrough)('passes the value through untouched for %s', (_label, metadata, value) => {
    expect(pipe.transform(value, metadata)).toBe(value);
  });

  it('passes custom (decorator) parameters through even with a DTO metatype', () => {
    const user = { id: 'u1', username: 'ann' };
    expect(pipe.transform(user, { type: 'custom', metatype: CreateThingDto })).toBe(user);
  });

  it('validates a DTO-typed body and returns a DTO instance', () => {
    const result = pipe.transform({ name: 'lamp' }, { type: 'body', metatype: CreateThingDto });
    expect(result).toBeInstanceOf(CreateThingDto);
    expect((result as CreateThingDto).name).toBe('lamp');
  });

  it('rejects an invalid body as validation_failed naming the body', () => {
    const error = caught(() => pipe.transform({ name: 3 }, { type: 'body', metatype: CreateThingDto }));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toBe('Invalid body: name must be a string');
    expect(error.details).toEqual({ name: ['name must be a string'] });
  });

  it('rejects unknown body fields', () => {
    const error = caught(() => pipe.transform({ name: 'lamp', price: 3 }, { type: 'body', metatype: CreateThingDto }));
    expect(error.details).toEqual({ price: ['property price should not exist'] });
  });

  it('treats an undefined body as {}', () => {
    expect(pipe.transform(undefined, { type: 'body', metatype: FilterDto })).toBeInstanceOf(FilterDto);
    const error = caught(() => pipe.transform(undefined, { type: 'body', metatype: CreateThingDto }));
    expect(error.message).toBe('Invalid body: name must be a string');
  });

  it('still rejects a non-object body (null, array, string)', () => {
    for (const value of [null, [], 'text']) {
      expect(caught(() => pipe.transform(value, { type: 'body', metatype: CreateThingDto })).message).toBe('The body must be a JSON object');
    }
  });

  it('validates query and params objects, naming them in messages', () => {
    expect(pipe.transform({ limit: 5 }, { type: 'query', metatype: FilterDto })).toBeInstanceOf(FilterDto);
    expect(caught(() => pipe.transform({ limit: 'x' }, { type: 'query', metatype: FilterDto })).message).toBe(
      'Invalid query: limit must be an integer number',
    );
    expect(caught(() => pipe.transform({ name: 1 }, { type: 'param', metatype: CreateThingDto })).message).toBe(
      'Invalid param: name must be a string',
    );
  });

  it('does not replace an undefined query with {}', () => {
    expect(caught(() => pipe.transform(undefined, { type: 'query', metatype: FilterDto })).message).toBe('The query must be a JSON object');
  });
});
