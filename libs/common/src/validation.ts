import { plainToInstance, Transform } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ApiError } from './api-error';

export type Constructor<T> = new () => T;

/** Trims string input before validation (lengths are checked on the trimmed text, which is what is stored). */
export const Trim = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper than any DTO needs; checked before class-transformer recurses, which overflows the stack on 10 000 levels. */
export const MAX_PAYLOAD_DEPTH = 16;

function fail(what: string, path: string, problem: string, subject = path): never {
  throw ApiError.validation(`Invalid ${what}: ${subject} ${problem}`, { [path]: [`${subject} ${problem}`] });
}

/**
 * What no field of any payload may hold, whatever its DTO says: nesting beyond MAX_PAYLOAD_DEPTH, U+0000 in a
 * string (PostgreSQL text cannot store it), a number JavaScript cannot count exactly (beyond ±2^53, so also
 * beyond bigint), prototype keys (JSON.parse makes "__proto__" an own key, which class-transformer would skip
 * silently). Run on the raw payload before any fast path or transformation, and on the
 * transformed DTO (query strings become numbers there).
 */
export function assertSafePayload(value: unknown, what: string, path = '', depth = 0): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) fail(what, path || what, 'must not contain the NUL character (U+0000)');
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) fail(what, path || what, `must be between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`);
  } else if (typeof value === 'object' && value !== null) {
    if (depth >= MAX_PAYLOAD_DEPTH) fail(what, path || what, `is nested more than ${MAX_PAYLOAD_DEPTH} levels deep`);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) assertSafePayload(value[index], what, `${path}[${index}]`, depth + 1);
      return;
    }
    for (const key of Object.keys(value)) {
      const child = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) fail(what, child, 'should not exist', `property ${child}`);
      assertSafePayload((value as Record<string, unknown>)[key], what, child, depth + 1);
    }
  }
}

/** Flattens class-validator errors into `{ field: messages[] }`, nested paths dotted. */
export function describeValidationErrors(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) result[path] = Object.values(error.constraints);
    if (error.children?.length) Object.assign(result, describeValidationErrors(error.children, path));
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A DTO's fast path: returns the validated instance for a well-formed payload, or undefined to let the
 * decorators decide (and word the error). It must accept only what the decorators accept, and return what
 * they would; a spec beside each one checks both against the decorators. Worth it on the hottest payloads
 * only (message:send): class-transformer and class-validator cost more CPU per message than the rest of the
 * validation and ack path together.
 */
export type FastValidator<T> = (payload: Readonly<Record<string, unknown>>) => T | undefined;

const fastValidators = new Map<Constructor<object>, FastValidator<object>>();

export function registerFastValidator<T extends object>(dtoClass: Constructor<T>, validate: FastValidator<T>): void {
  fastValidators.set(dtoClass, validate);
}

/** True when every own key of `payload` is one of `allowed`. */
export function hasOnlyKeys(payload: Readonly<Record<string, unknown>>, allowed: ReadonlySet<string>): boolean {
  for (const key of Object.keys(payload)) if (!allowed.has(key)) return false;
  return true;
}

/**
 * Validates an untrusted payload (REST body/query or socket event) against a DTO class.
 * Rejects non-objects, unknown fields and every constraint violation with `validation_failed`.
 */
export function validatePayload<T extends object>(dtoClass: Constructor<T>, payload: unknown, what = 'payload'): T {
  assertSafePayload(payload, what);
  if (isPlainObject(payload)) {
    const fast = (fastValidators.get(dtoClass) as FastValidator<T> | undefined)?.(payload);
    if (fast !== undefined) return fast;
  }
  return validateSafePayloadByDecorators(dtoClass, payload, what);
}

/** validatePayload without fast paths (what every fast path is checked against). */
export function validateByDecorators<T extends object>(dtoClass: Constructor<T>, payload: unknown, what = 'payload'): T {
  assertSafePayload(payload, what);
  return validateSafePayloadByDecorators(dtoClass, payload, what);
}

function validateSafePayloadByDecorators<T extends object>(dtoClass: Constructor<T>, payload: unknown, what: string): T {
  if (!isPlainObject(payload)) {
    throw ApiError.validation(`The ${what} must be a JSON object`);
  }
  const instance = plainToInstance(dtoClass, payload, { exposeDefaultValues: true });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) {
    const details = describeValidationErrors(errors);
    const first = Object.values(details)[0]?.[0] ?? 'Invalid value';
    throw ApiError.validation(`Invalid ${what}: ${first}`, details);
  }
  // Query strings become numbers only here (@Type), so their range is checked after the transformation.
  assertSafePayload(instance, what);
  return instance;
}
