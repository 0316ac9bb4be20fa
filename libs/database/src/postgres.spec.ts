import { types } from 'pg';
import {
  isConnectionFailure,
  isDatabaseError,
  isForeignKeyViolation,
  isPoolTimeoutOrTermination,
  isSerializationFailure,
  isUniqueViolation,
  PARLEY_PG_TYPES,
  parleyTypeParser,
  queryModified,
  queryRows,
  sqlStateClassOf,
  sqlStateOf,
  type SqlRunner,
} from './postgres';

const pgError = (code: unknown, constraint?: string): Error => Object.assign(new Error('failed'), { code, constraint });

/** A runner answering every statement with one canned TypeORM result. */
const answering = (result: unknown): SqlRunner => ({ query: <T>() => Promise.resolve(result as T) });

describe('SQLSTATE helpers', () => {
  it('reads a SQLSTATE and its class, and nothing from non-PostgreSQL codes', () => {
    expect(sqlStateOf(pgError('23505'))).toBe('23505');
    expect(sqlStateClassOf(pgError('40P01'))).toBe('40');
    expect(sqlStateOf(pgError('ECONNREFUSED'))).toBeUndefined();
    expect(sqlStateOf(pgError(23505))).toBeUndefined();
    expect(sqlStateOf('23505')).toBeUndefined();
    expect(sqlStateClassOf(null)).toBeUndefined();
  });

  it('tells a unique violation apart, optionally of one constraint', () => {
    expect(isUniqueViolation(pgError('23505', 'users_username_lower_uq'))).toBe(true);
    expect(isUniqueViolation(pgError('23505', 'users_username_lower_uq'), 'messages_room_seq_uq')).toBe(false);
    expect(isUniqueViolation(pgError('23505', 'messages_room_seq_uq'), 'messages_room_seq_uq')).toBe(true);
    expect(isUniqueViolation(pgError('23503'))).toBe(false);
    expect(isForeignKeyViolation(pgError('23503'))).toBe(true);
    expect(isForeignKeyViolation(pgError('23505'))).toBe(false);
  });

  it.each(['40001', '40P01'])('treats %s as a serialization failure', (code) => {
    expect(isSerializationFailure(pgError(code))).toBe(true);
    expect(isConnectionFailure(pgError(code))).toBe(false);
  });

  it.each(['08000', '08001', '08003', '08004', '08006', '08P01', '57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'])('treats %s as a connection failure', (code) => {
    expect(isConnectionFailure(pgError(code))).toBe(true);
    expect(isDatabaseError(pgError(code))).toBe(true);
  });

  it.each(['23505', '57014', '22021', 'ENOENT', undefined])('does not treat %s as a connection failure', (code) => {
    expect(isConnectionFailure(pgError(code))).toBe(false);
  });

  it('recognises pg-pool timeouts and terminated connections by their messages', () => {
    expect(isPoolTimeoutOrTermination(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isPoolTimeoutOrTermination(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPoolTimeoutOrTermination(new Error('syntax error'))).toBe(false);
    expect(isConnectionFailure(new Error('Connection terminated due to connection timeout'))).toBe(true);
  });

  it('counts TypeORM query failures and SQLSTATEs as database errors, not other errors', () => {
    expect(isDatabaseError(Object.assign(new Error('x'), { name: 'QueryFailedError' }))).toBe(true);
    expect(isDatabaseError(pgError('22P02'))).toBe(true);
    expect(isDatabaseError(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('query result shapes', () => {
  it('returns the rows of a SELECT/INSERT', async () => {
    await expect(queryRows(answering([{ id: 'a' }, { id: 'b' }]), 'SELECT')).resolves.toEqual([{ id: 'a' }, { id: 'b' }]);
    await expect(queryRows(answering([]), 'SELECT')).resolves.toEqual([]);
  });

  it('returns the rows and count of an UPDATE/DELETE', async () => {
    await expect(queryModified(answering([[{ id: 'a' }], 1]), 'UPDATE')).resolves.toEqual({ rows: [{ id: 'a' }], count: 1 });
    await expect(queryModified(answering([[], 3]), 'DELETE')).resolves.toEqual({ rows: [], count: 3 });
  });

  it('refuses the other shape, so a statement read with the wrong helper fails loudly', async () => {
    await expect(queryRows(answering([[{ id: 'a' }], 1]), 'UPDATE')).rejects.toThrow(/queryModified/);
    await expect(queryModified(answering([{ id: 'a' }]), 'SELECT')).rejects.toThrow(/queryRows/);
    await expect(queryModified(answering(undefined), 'SELECT')).rejects.toThrow(/queryRows/);
  });
});

describe('type parsers', () => {
  it('parses bigint as a number and everything else as pg does, without touching pg’s global parsers', () => {
    expect(parleyTypeParser(types.builtins.INT8)('9007199254740991')).toBe(9007199254740991);
    const viaConfig = PARLEY_PG_TYPES.getTypeParser as unknown as (oid: number, format: string) => (text: string) => unknown;
    expect(viaConfig(types.builtins.INT8, 'text')('42')).toBe(42);
    expect(parleyTypeParser(types.builtins.INT4)('7')).toBe(7);
    expect(parleyTypeParser(types.builtins.BOOL)('t')).toBe(true);
    expect((types.getTypeParser as unknown as (oid: number, format: string) => (text: string) => unknown)(types.builtins.INT8, 'text')('42')).toBe('42');
  });
});
