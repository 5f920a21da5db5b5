/**
 * Database errors that say the database is unreachable, restarting, overloaded or too slow, rather than that
 * the request was wrong: they become 503 with Retry-After (never 500), and the access guard must not read
 * them as a bad token.
 */

/** SQLSTATEs of a database that cannot serve now (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const UNAVAILABLE_SQLSTATE = [
  /^08/, // connection exception
  /^57P0[1-5]$/, // admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now, ...
  /^53/, // insufficient resources: too_many_connections, out of memory, disk full
  /^57014$/, // query_canceled: statement_timeout
  /^40001$/, // serialization_failure
  /^40P01$/, // deadlock_detected
  /^25006$/, // read_only_sql_transaction: a standby after a fail-over
  /^55P03$/, // lock_not_available: lock_timeout
];

const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Messages of node-postgres and TypeORM for a lost or unobtainable connection (they carry no code). */
const UNAVAILABLE_MESSAGE = [
  /^timeout exceeded when trying to connect/, // pool acquire timeout (connectionTimeoutMillis)
  /^Connection terminated/,
  /^Query read timeout/,
  /is not queryable/,
  /^Cannot use a pool after calling end/,
  /^Client has already been connected/,
];

/**
 * TypeORM's: the pool is not (or no longer) connected; or the transaction's connection died and TypeORM
 * released its query runner, so the transaction's next statement cannot run.
 */
const UNAVAILABLE_NAME = new Set([
  'CannotExecuteNotConnectedError',
  'ConnectionIsNotSetError',
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);

/** What kind of unavailability, for the message; null when the error is not one. */
export function databaseUnavailability(error: unknown): 'timeout' | 'unavailable' | null {
  const seen = new Set<unknown>();
  for (let e = error; typeof e === 'object' && e !== null && !seen.has(e);) {
    seen.add(e);
    const { code, message, name, syscall } = e as {
      code?: unknown;
      message?: unknown;
      name?: unknown;
      syscall?: unknown;
    };
    // Any failure to connect: also ENOENT, the embedded cluster's Unix socket gone while it is down.
    if (syscall === 'connect' && typeof code === 'string' && /^E[A-Z]+$/.test(code)) return 'unavailable';
    if (typeof code === 'string') {
      if (code === '57014') return 'timeout';
      if (UNAVAILABLE_SQLSTATE.some((re) => re.test(code)) && /^[0-9A-Z]{5}$/.test(code))
        return 'unavailable';
      if (UNAVAILABLE_ERRNO.has(code)) return 'unavailable';
    }
    // A request that waited its connection budget for a free statement (common/coalescer.ts).
    if (name === 'CoalescerWaitTimeout') return 'timeout';
    if (typeof name === 'string' && UNAVAILABLE_NAME.has(name)) return 'unavailable';
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.some((re) => re.test(message))) {
      return /timeout/.test(message) ? 'timeout' : 'unavailable';
    }
    const next = e as { driverError?: unknown; cause?: unknown; errors?: unknown };
    e =
      next.driverError ??
      next.cause ??
      (Array.isArray(next.errors) ? (next.errors as unknown[])[0] : undefined);
  }
  return null;
}

export const isDatabaseUnavailable = (error: unknown): boolean => databaseUnavailability(error) !== null;

/**
 * Whether `error` (or the driver error it wraps) is a unique violation of `constraint`: what a
 * check-then-insert meets when two requests race past the check (each then answers as the check would).
 */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth += 1) {
    const {
      code,
      constraint: name,
      driverError,
    } = e as { code?: unknown; constraint?: unknown; driverError?: unknown };
    if (code === '23505' && name === constraint) return true;
    e = driverError;
  }
  return false;
}

/** The SQLSTATE of audit_append_for_session() when the session is no longer valid. */
export const SESSION_REJECTED_SQLSTATE = 'CT401';

/** Whether `error` (TypeORM's QueryFailedError or pg's own) is audit_append_for_session()'s refusal. */
export function isSessionRejected(error: unknown): boolean {
  const { code, driverError } = (error ?? {}) as { code?: unknown; driverError?: { code?: unknown } };
  return code === SESSION_REJECTED_SQLSTATE || driverError?.code === SESSION_REJECTED_SQLSTATE;
}

/**
 * Whether PostgreSQL refused the statement itself (an error with a SQLSTATE: a constraint, a data error,
 * a rejected session), so that nothing of it took effect and its parts may be tried again apart. Not when
 * the database could not serve (databaseUnavailability): then the outcome may be unknown (a commit whose
 * answer was lost) or the same for every part.
 */
export function isStatementRefused(error: unknown): boolean {
  if (databaseUnavailability(error) !== null) return false;
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth += 1) {
    const { code, driverError } = e as { code?: unknown; driverError?: unknown };
    // A SQLSTATE is five digits or capitals; an errno such as EPIPE or EBUSY looks like one and is not.
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^E[A-Z]{4}$/.test(code)) return true;
    e = driverError;
  }
  return false;
}
