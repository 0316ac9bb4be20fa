import { plainToInstance, Transform } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ApiError } from './api-error';

export type Constructor<T> = new () => T;

/** Trims string input before validation (lengths are checked on the trimmed text, which is what is stored). */
export const Trim = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

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
  if (isPlainObject(payload)) {
    const fast = (fastValidators.get(dtoClass) as FastValidator<T> | undefined)?.(payload);
    if (fast !== undefined) return fast;
  }
  return validateByDecorators(dtoClass, payload, what);
}

/** validatePayload without fast paths (what every fast path is checked against). */
export function validateByDecorators<T extends object>(dtoClass: Constructor<T>, payload: unknown, what = 'payload'): T {
  if (!isPlainObject(payload)) {
    throw ApiError.validation(`The ${what} must be a JSON object`);
  }
  // JSON.parse makes "__proto__" an own key; class-transformer would skip it silently, so refuse it here.
  const forbidden = Object.keys(payload).find((key) => FORBIDDEN_KEYS.has(key));
  if (forbidden !== undefined) {
    throw ApiError.validation(`Invalid ${what}: property ${forbidden} should not exist`, { [forbidden]: [`property ${forbidden} should not exist`] });
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
  return instance;
}
