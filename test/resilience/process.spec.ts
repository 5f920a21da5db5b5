import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabaseIfMissing } from '../../src/database/provision.js';
import { ADMIN_PASSWORD, testKeys } from '../test-app.js';
import { buildService, freePort, spawnService, type ServiceProcess } from './support.js';

/** The built service as a child process: signals, start-up failures, the embedded database. */
describe('the service process (resilience)', () => {
  let main: string;
  const started: ServiceProcess[] = [];

  beforeAll(() => {
    main = buildService();
  }, 60_000);

  afterAll(async () => {
    for (const service of started) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
    }
  });

  async function freshDatabaseUrl(): Promise<string> {
    const adminUrl = process.env.TEST_ADMIN_URL as string;
    const name = `proc_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    await createDatabaseIfMissing(adminUrl, name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  const baseEnv = async (extra: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...testKeys(),
    ...extra,
  });

  const spawn = (env: Record<string, string>, script = main) => {
    const service = spawnService(script, env);
    started.push(service);
    return service;
  };

  it('SIGTERM with 16 requests in flight: all 16 complete, then the process exits 0', async () => {
    const databaseUrl = await freshDatabaseUrl();
    const service = spawn(await baseEnv({ DATABASE_URL: databaseUrl }));
    await service.listening;
    const base = `http://127.0.0.1:${service.port}`;
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };

    // Hold every session lookup at a table lock, so that 16 requests are certainly in flight.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query('BEGIN');
    await db.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
    const inFlight = Array.from({ length: 16 }, () =>
      fetch(`${base}/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } }).then(
        async (res) => ({ status: res.status, body: (await res.json()) as { username?: string } }),
      ),
    );
    for (let i = 0; i < 50; i++) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
      );
      if ((rows[0] as { n: number }).n >= 16) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    service.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // No new connections once shutting down.
    await expect(
      new Promise((resolve, reject) => {
        const socket = net.connect(service.port, '127.0.0.1', () => {
          socket.end();
          resolve('connected');
        });
        socket.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
    await db.query('COMMIT');
    await db.end();

    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 16 }, () => 200));
    expect(answers.every((a) => a.body.username === 'admin')).toBe(true);
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('shut down cleanly');
  }, 60_000);

  it('log lines reach stdout within half a second while the service idles (buffered, not held), and at exit', async () => {
    const service = spawn(await baseEnv({ DATABASE_URL: await freshDatabaseUrl() }));
    await service.listening;
    const completed = () => service.output().split('"msg":"request completed"').length - 1;
    const before = completed();
    const health = await fetch(`http://127.0.0.1:${service.port}/health`);
    expect(health.status).toBe(200);
    const asked = Date.now();
    while (completed() === before && Date.now() - asked < 2_000) await new Promise((r) => setTimeout(r, 20));
    expect(completed()).toBe(before + 1);
    expect(Date.now() - asked).toBeLessThan(500 + 200);
    // Lines logged just before the exit are written by the exit hook.
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('shut down cleanly');
  }, 60_000);

  it('npm run admin:create makes the first admin of a fresh database (password from the environment), once', async () => {
    const command = path.join(path.dirname(main), 'users', 'admin-create-command.js');
    const env = await baseEnv({ DATABASE_URL: await freshDatabaseUrl(), ADMIN_USERNAME: 'root-admin' });
    delete (env as Record<string, string>).BOOTSTRAP_ADMIN_PASSWORD;
    const first = spawn({ ...env, ADMIN_PASSWORD: 'a-long-admin-password-42' }, command);
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('admin account "root-admin" created');
    expect(first.output()).not.toContain('a-long-admin-password-42');
    const again = spawn({ ...env, ADMIN_PASSWORD: 'a-long-admin-password-42' }, command);
    expect(await again.exited).toBe(1);
    expect(again.output()).toContain('an admin account already exists');
  }, 60_000);

  it('start-up failures say what is wrong: port in use, database unreachable', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const busy = spawn(await baseEnv({ DATABASE_URL: await freshDatabaseUrl(), PORT: String(port) }));
      expect(await busy.exited).toBe(1);
      expect(busy.output()).toMatch(new RegExp(`Start-up failed: port ${port} is already in use`));
    } finally {
      blocker.close();
    }
    const nowhere = spawn(
      await baseEnv({
        DATABASE_URL: `postgres://ctr:secret-pw@127.0.0.1:${await freePort()}/ctr`,
        DB_CONNECT_TIMEOUT_MS: '2000',
      }),
    );
    expect(await nowhere.exited).toBe(1);
    expect(nowhere.output()).toMatch(
      /Start-up failed: the database at 127\.0\.0\.1:\d+ refused the connection/,
    );
    expect(nowhere.output()).not.toContain('secret-pw');
  }, 60_000);

  it('embedded database: a free port, migrations and the admin logged, a second instance refused, SIGTERM stops it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-embedded-'));
    fs.chmodSync(dir, 0o755);
    const dataDir = path.join(dir, 'pg');
    try {
      const first = spawn(await baseEnv({ EMBEDDED_DB_DIR: dataDir }));
      await first.listening;
      expect(first.output()).toMatch(/"msg":"embedded PostgreSQL ready"/);
      expect(first.output()).toMatch(/"msg":"applied \d+ migration\(s\)"/);
      expect(first.output()).toMatch(/"msg":"admin account present"/);
      expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(true);

      // The service reaches its embedded cluster through the cluster's Unix socket, not loopback TCP.
      const ready = /"port":(\d+),"socketDirectory":"([^"]+)"[^\n]*"msg":"embedded PostgreSQL ready"/.exec(
        first.output(),
      );
      expect(ready?.[2]).toBe('/tmp');
      const db = new pg.Client({
        connectionString: `postgres://postgres:postgres@127.0.0.1:${ready?.[1]}/ctr`,
      });
      await db.connect();
      try {
        const { rows } = await db.query<{ socket: number; tcp: number }>(
          `SELECT count(*) FILTER (WHERE client_addr IS NULL)::int AS socket,
                  count(*) FILTER (WHERE client_addr IS NOT NULL AND pid <> pg_backend_pid())::int AS tcp
             FROM pg_stat_activity WHERE datname = 'ctr' AND backend_type = 'client backend'`,
        );
        expect(rows[0].socket).toBeGreaterThan(0);
        expect(rows[0].tcp).toBe(0);
      } finally {
        await db.end();
      }

      const second = spawn(await baseEnv({ EMBEDDED_DB_DIR: dataDir }));
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(
        /Start-up failed: the embedded database directory .* is in use by another instance/,
      );
      expect(second.output()).not.toContain('undefined');

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      // PostgreSQL removes its pid file as it exits (it was told to stop; an orphan would keep it).
      const pidFile = path.join(dataDir, 'postmaster.pid');
      for (let i = 0; i < 100 && fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
      expect(fs.existsSync(pidFile)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('migration:run, admin:create and keys:rewrap on the embedded database exit 0 and stop it; SIGTERM mid-way stops it too', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-embedded-cmd-'));
    fs.chmodSync(dir, 0o755);
    const dataDir = path.join(dir, 'pg');
    const pidFile = path.join(dataDir, 'postmaster.pid');
    const command = (...parts: string[]) => path.join(path.dirname(main), ...parts);
    const stopped = async () => {
      for (let i = 0; i < 100 && fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
      return !fs.existsSync(pidFile);
    };
    try {
      const env = await baseEnv({ EMBEDDED_DB_DIR: dataDir, ADMIN_PASSWORD: 'a-long-admin-password-42' });
      for (const script of [
        command('database', 'migrate.js'),
        command('users', 'admin-create-command.js'),
        command('cases', 'rewrap-command.js'),
      ]) {
        const run = spawn(env, script);
        expect({ script: path.basename(script), status: await run.exited }).toEqual({
          script: path.basename(script),
          status: 0,
        });
        expect(run.output()).not.toContain('TypeError');
        expect(await stopped()).toBe(true);
      }
      // Interrupted once its cluster is up: 128 + 15, and no orphaned PostgreSQL holds the directory.
      const interrupted = spawn(env, command('database', 'migrate.js'));
      for (let i = 0; i < 200 && !interrupted.output().includes('embedded PostgreSQL ready'); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      interrupted.child.kill('SIGTERM');
      expect([0, 143]).toContain(await interrupted.exited);
      expect(await stopped()).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
