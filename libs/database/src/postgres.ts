import { types, type CustomTypesConfig } from 'pg';

/**
 * Everything Parley knows about PostgreSQL's wire-level conventions, in one place: the SQLSTATEs it tells
 * apart, how a lost connection looks, the two result shapes of TypeORM's `query()`, and how column types
 * are parsed. Repositories, the send path and the error mapping all use these rather than their own copies.
 */

/** SQLSTATEs Parley reacts to (PostgreSQL manual, appendix A). */
export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  tooManyConnections: '53300',
} as const;

/** SQLSTATE classes: a code's first two characters. */
export const SQLSTATE_CLASS = {
  connectionException: '08',
  dataException: '22',
  integrityConstraintViolation: '23',
  transactionRollback: '40',
} as const;

const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** The error's SQLSTATE when it is a PostgreSQL error (pg's `code`), else undefined. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = field(error, 'code');
  return typeof code === 'string' && SQLSTATE_PATTERN.test(code) ? code : undefined;
}

/** The error's SQLSTATE class (e.g. '23'), else undefined. */
export function sqlStateClassOf(error: unknown): string | undefined {
  return sqlStateOf(error)?.slice(0, 2);
}

/** A unique index refused a row; with `constraint`, only that index's refusal counts. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return sqlStateOf(error) === SQLSTATE.uniqueViolation && (constraint === undefined || field(error, 'constraint') === constraint);
}

export function isForeignKeyViolation(error: unknown): boolean {
  return sqlStateOf(error) === SQLSTATE.foreignKeyViolation;
}

/** The transaction lost a race (serialization failure, deadlock): running it again may succeed. */
export function isSerializationFailure(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code === SQLSTATE.serializationFailure || code === SQLSTATE.deadlockDetected;
}

/** Socket errors of the driver's connection (a reset under a running query is ECONNRESET). */
const SOCKET_FAILURES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * The server could not be reached or dropped the session: a connection exception (class 08), a shutdown,
 * crash recovery or start-up (57P01–57P03), too many connections (53300), a socket error, or pg/pg-pool's
 * own messages for a lost or unobtainable connection. Worth a retry: the request may succeed later.
 */
export function isConnectionFailure(error: unknown): boolean {
  // Socket codes first: 'EPIPE' has the shape of a SQLSTATE.
  const socketCode = field(error, 'code');
  if (typeof socketCode === 'string' && SOCKET_FAILURES.has(socketCode)) return true;
  const code = sqlStateOf(error);
  if (code !== undefined) {
    return (
      code.startsWith(SQLSTATE_CLASS.connectionException) ||
      code === SQLSTATE.adminShutdown ||
      code === SQLSTATE.crashShutdown ||
      code === SQLSTATE.cannotConnectNow ||
      code === SQLSTATE.tooManyConnections
    );
  }
  return isPoolTimeoutOrTermination(error);
}

/** pg-pool gave up waiting for a free connection, or pg's client lost its connection mid-query. */
export function isPoolTimeoutOrTermination(error: unknown): boolean {
  const message = field(error, 'message');
  return typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated|not queryable|Connection is closed/i.test(message);
}

/** Any error that came from PostgreSQL or the way to it (for the database-error metric). */
export function isDatabaseError(error: unknown): boolean {
  return field(error, 'name') === 'QueryFailedError' || sqlStateOf(error) !== undefined || isConnectionFailure(error);
}

/** What runs SQL: TypeORM's DataSource and EntityManager both fit. */
export interface SqlRunner {
  query<T>(sql: string, parameters?: unknown[]): Promise<T>;
}

/**
 * A statement that returns rows as TypeORM's `query()` gives them for SELECT and INSERT (… RETURNING): the
 * rows array.
 */
export async function queryRows<Row>(db: SqlRunner, sql: string, parameters?: unknown[]): Promise<Row[]> {
  const result = await db.query<unknown>(sql, parameters);
  if (!Array.isArray(result) || isModifyShape(result)) throw new Error('queryRows: not a SELECT/INSERT result; use queryModified for UPDATE/DELETE');
  return result as Row[];
}

/**
 * An UPDATE or DELETE (… RETURNING): TypeORM's `query()` gives `[rows, affectedCount]` for these, whether
 * or not they return rows.
 */
export async function queryModified<Row = never>(db: SqlRunner, sql: string, parameters?: unknown[]): Promise<{ rows: Row[]; count: number }> {
  const result = await db.query<unknown>(sql, parameters);
  if (!isModifyShape(result)) throw new Error('queryModified: not an UPDATE/DELETE result; use queryRows');
  return { rows: result[0] as Row[], count: result[1] };
}

function isModifyShape(result: unknown): result is [unknown[], number] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number';
}

type TextParser = (value: string) => unknown;
const pgTypeParser = types.getTypeParser as unknown as (oid: number, format: 'text' | 'binary') => TextParser;
const parseInt8 = (value: string): number => Number(value);
const INT8_OID: number = types.builtins.INT8;

/**
 * Column parsing of every Parley pool: pg's, except that bigint (seq, last_seq, epochs, count(*)) is a
 * number, exact up to 2^53. Given to each pool explicitly (`types`), so no module changes pg's global
 * parsers and a process gets these only where it asks for them.
 */
export function parleyTypeParser(oid: number, format: 'text' | 'binary' = 'text'): TextParser {
  return oid === INT8_OID && format === 'text' ? parseInt8 : pgTypeParser(oid, format);
}

export const PARLEY_PG_TYPES: CustomTypesConfig = { getTypeParser: parleyTypeParser as CustomTypesConfig['getTypeParser'] };
