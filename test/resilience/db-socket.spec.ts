import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminToken, createOffice, createUser, exampleCase, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';
import { startOwnCluster, type OwnCluster } from './support.js';

/**
 * The outage of db-faults.spec.ts through the database's Unix socket, which is how `npm start` reaches its
 * embedded cluster: while the cluster is down its socket file is gone, and connect() fails with ENOENT
 * rather than ECONNREFUSED (until 2026-12-03 that was a 500 on every route but /health). In a file of its
 * own: two apps with different keys in one process would share passport's global JWT strategy.
 */
describe('a database outage through the Unix socket (resilience)', () => {
  let cluster: OwnCluster;
  let t: TestApp;
  let worker: TestUser;

  beforeAll(async () => {
    cluster = await startOwnCluster();
    t = await startTestApp(
      { DB_CONNECT_TIMEOUT_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '1500' },
      { adminUrl: `${cluster.adminUrl}?host=${encodeURIComponent(os.tmpdir())}` },
    );
    t.db.on('error', () => undefined);
    const admin = await adminToken(t);
    worker = await createUser(t, admin, 'caseworker', (await createOffice(t, admin)).id);
  }, 60_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await cluster?.destroy();
  });

  it('every route answers 503 with Retry-After while the cluster is down; the token works again after', async () => {
    expect(new URL(t.databaseUrl).searchParams.get('host')).toBe(os.tmpdir());
    await cluster.stop();
    const failures: string[] = [];
    try {
      for (const [method, path] of [
        ['get', '/v1/auth/me'],
        ['get', '/v1/cases'],
        ['get', `/v1/cases/${randomUUID()}`],
        ['post', '/v1/cases'],
        ['get', '/v1/offices'],
      ] as const) {
        const agent = t.http();
        const res = await agent[method](path)
          .set('Authorization', `Bearer ${worker.token}`)
          .send(method === 'post' ? exampleCase() : undefined);
        if (res.status !== 503 || res.headers['retry-after'] === undefined) {
          failures.push(`${method.toUpperCase()} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
      const health = await t.http().get('/health');
      if (health.status !== 503) failures.push(`GET /health: ${health.status}`);
    } finally {
      await cluster.start();
    }
    expect(failures).toEqual([]);
    let me = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${worker.token}`);
    for (let i = 0; i < 50 && me.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      me = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${worker.token}`);
    }
    expect(me.status).toBe(200);
  }, 60_000);

  it('a frozen server (every process stopped): 503 within the statement timeout and a second, not silence', async () => {
    // Warm: the pool holds connections to the server, which now stops answering on them.
    expect((await t.http().get('/v1/cases').set('Authorization', `Bearer ${worker.token}`)).status).toBe(200);
    const postmaster = Number(
      fs.readFileSync(path.join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    const processes = [postmaster, ...childrenOf(postmaster)];
    for (const pid of processes) process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const res = await t.http().get('/v1/cases').set('Authorization', `Bearer ${worker.token}`);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      // DB_STATEMENT_TIMEOUT_MS is 1,500 here: the client gives up a second after it.
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const pid of processes) process.kill(pid, 'SIGCONT');
    }
  }, 60_000);
});

/** The pids whose parent is `parent` (from /proc). */
function childrenOf(parent: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}
