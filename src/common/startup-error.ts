/** A start-up failure with a message meant for the operator (what failed and what to do), no stack. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

type ErrorLike = {
  message?: unknown;
  code?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  syscall?: unknown;
};

/**
 * One line for an operator, from whatever a start-up step threw. Database errors are described by what
 * they mean (refused, unknown host, bad credentials); nothing here echoes a connection string or password.
 */
export function describeStartupError(error: unknown): string {
  if (error instanceof StartupError) return error.message;
  if (typeof error !== 'object' || error === null) {
    return 'an unexpected error without a description (run with LOG_LEVEL=debug for details)';
  }
  const e = error as ErrorLike;
  const at =
    typeof e.address === 'string' ? ` at ${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : '';
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${String(e.port ?? '')} is already in use${at} (another instance running? set PORT to another port)`;
    case 'EACCES':
      return e.syscall === 'listen'
        ? `not allowed to listen${at} (choose a PORT above 1023)`
        : `permission denied: ${String(e.message)}`;
    case 'ECONNREFUSED':
      return `the database${at} refused the connection: is PostgreSQL running, and is DATABASE_URL right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the database host ${String(e.hostname ?? '')} could not be resolved: check DATABASE_URL`;
    case 'ETIMEDOUT':
      return `the database${at} did not answer in time: check DATABASE_URL and the network`;
    case '28P01':
    case '28000':
      return 'the database rejected the credentials of DATABASE_URL';
    case '3D000':
      return 'the database named in DATABASE_URL does not exist';
    case '57P03':
      return 'the database is starting up or shutting down; try again in a moment';
    default:
      break;
  }
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : undefined;
  if (
    message &&
    /timeout exceeded when trying to connect|Connection terminated due to connection timeout/.test(message)
  ) {
    return 'the database did not answer in time: check DATABASE_URL and that PostgreSQL is running';
  }
  return message ?? 'an unexpected error without a description (run with LOG_LEVEL=debug for details)';
}
