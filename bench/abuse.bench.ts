/**
 * `npm run bench:abuse [-- --cases N] [-- --seconds S] [-- --profile] [-- --spread M]` (issue 10, "How we will know"): does
 * abuse from one client hurt everyone else? Not a test: results are appended to bench/results/abuse.md with the
 * load average of the machine.
 *
 * The service runs as its own process (dist/src/main.js) on an embedded PostgreSQL, seeded with N synthetic
 * cases (`npm run seed`'s generator). Authenticated reads (GET /v1/cases/:id, one caseworker, random ids of
 * its office) come from autocannon in a separate process; /health is probed from this process every 20 ms.
 * Three phases of S seconds each, measured the same way:
 * 1. baseline: reads and /health alone;
 * 2. login flood: at the same time, anonymous POST /v1/auth/login bodies of 60,000 unknown keys (≈ 0.9 MB
 *    each) from 8 connections (autocannon, another process); the general rate limit is raised out of the
 *    way so that every body reaches the server's limits (the worst case: without it the client gets 429);
 * 3. heavy aggregates: at the same time, three researchers each asking, one after another, new (never
 *    stored) citizenship × countryOfExploitation queries, the issue's 4,816-cell example shape.
 * `--spread M`: then M of the seeded cases get a citizenship and a country of exploitation drawn uniformly from
 * the first 70 codes (SQL, as the superuser): the seed's corridors are concentrated, and the issue's heavy
 * shape needs thousands of non-empty citizenship × country cells.
 * Goal (issue 10): reads' p99 under 50 ms during phases 2 and 3; /health within 100 ms during phase 3.
 * The service runs under bench/profiled-main.ts: each phase reports the service's event-loop delay
 * (monitorEventLoopDelay: how long a ready callback waited), and with --profile its CPU profile's top
 * functions (bench/results/profiles/abuse-*.cpuprofile).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { generateKeys } from '../src/config/keys.js';
import { DIMENSIONS } from '../src/aggregates/dimensions.js';
import { startEmbeddedPostgres } from '../src/database/embedded.js';
import { createDatabaseIfMissing } from '../src/database/provision.js';
import type { HttpLoadSpec, LoadResult } from './load-http.js';
import { topFunctions } from './profile-top.js';
import { api, createUser, loadAverage, login, serviceEnv, waitForHealth } from './service-client.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const RESULTS = path.join(ROOT, 'bench/results/abuse.md');

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '15' },
    profile: { type: 'boolean', default: false },
    spread: { type: 'string', default: '0' },
  },
});
const SPREAD = Number(args.spread);
const PROFILE_DIR = path.join(ROOT, 'bench/results/profiles');
const CASES = Number(args.cases);
const SECONDS = Number(args.seconds);
const READ_CONNECTIONS = 4;

const log = (message: string) =>
  process.stderr.write(`[bench:abuse ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

// ---------------------------------------------------------------- service

async function startService(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; base: string }> {
  const logFile = path.join(os.tmpdir(), 'ctr-bench-abuse-service.log');
  const child = spawn(process.execPath, ['dist-bench/bench/profiled-main.js'], {
    env,
    stdio: ['ignore', fs.openSync(logFile, 'w'), 'inherit', 'ipc'],
  });
  const base = `http://127.0.0.1:${env.PORT}`;
  await waitForHealth(child, base, logFile);
  return { child, base };
}

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** Starts or stops the service's loop-delay histogram (and, with --profile, its CPU profiler). */
async function measureService(
  child: ChildProcess,
  cmd: 'start' | 'stop',
  file?: string,
): Promise<LoopDelay | undefined> {
  const done = new Promise<{ loopDelay?: LoopDelay }>((r) => child.once('message', r));
  child.send({ cmd, file, cpu: args.profile });
  return (await done).loopDelay;
}

const user = (base: string, admin: string, role: string, officeId?: string) =>
  createUser(base, admin, role, { prefix: 'bench-abuse', officeId });

// ---------------------------------------------------------------- loads

/** Authenticated reads from autocannon in its own process (bench/load-http.ts). */
async function reads(spec: HttpLoadSpec): Promise<LoadResult> {
  const file = path.join(os.tmpdir(), `ctr-bench-abuse-reads-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  const { stdout } = await run(process.execPath, ['dist-bench/bench/load-http.js', file], {
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout) as LoadResult;
}

interface FloodResult {
  requests: number;
  errors: number;
  statusCodes: Record<string, number>;
  mbSent: number;
}

/** Anonymous POSTs of one body from autocannon's CLI in its own process (the body from a file: ≈ 0.9 MB). */
async function flood(url: string, bodyFile: string, seconds: number): Promise<FloodResult> {
  const bin = path.join(ROOT, 'node_modules/.bin/autocannon');
  const { stdout } = await run(
    bin,
    [
      '-m',
      'POST',
      '-i',
      bodyFile,
      '-H',
      'content-type=application/json',
      '-c',
      '8',
      '-d',
      String(seconds),
    ].concat(['-j', url]),
    { maxBuffer: 1 << 24 },
  );
  const result = JSON.parse(stdout) as {
    requests: { total: number };
    errors: number;
    statusCodeStats?: Record<string, { count: number }>;
    throughput: { total: number };
  };
  return {
    requests: result.requests.total,
    errors: result.errors,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
    ),
    mbSent: Math.round((result.requests.total * fs.statSync(bodyFile).size) / 1e6),
  };
}

interface HealthResult {
  checks: number;
  p50: number;
  p99: number;
  max: number;
  over100: number;
  non200: number;
}

/** /health every 20 ms from this process until `stop` resolves. */
async function healthProbe(base: string, stop: Promise<unknown>): Promise<HealthResult> {
  let running = true;
  void stop.finally(() => (running = false));
  const times: number[] = [];
  let non200 = 0;
  while (running) {
    const t0 = performance.now();
    const res = await fetch(`${base}/health`);
    await res.text();
    times.push(performance.now() - t0);
    if (res.status !== 200) non200++;
    await new Promise((r) => setTimeout(r, 20));
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))];
  return {
    checks: times.length,
    p50: at(0.5),
    p99: at(0.99),
    max: times[times.length - 1],
    over100: times.filter((t) => t > 100).length,
    non200,
  };
}

interface AggregateLoad {
  answers: number;
  statusCodes: Record<string, number>;
  msMedian: number;
  msMax: number;
  cells: number[];
}

/** Researchers each asking the heavy query back to back, with a new sigma each time (never a stored answer). */
async function heavyAggregates(
  base: string,
  researchers: string[],
  dimensions: string[],
  stop: Promise<unknown>,
): Promise<AggregateLoad> {
  let running = true;
  void stop.finally(() => (running = false));
  const times: number[] = [];
  const statusCodes: Record<string, number> = {};
  const cells: number[] = [];
  let n = 0;
  await Promise.all(
    researchers.map(async (token) => {
      while (running) {
        const sigma = 10 + ++n / 1000;
        const t0 = performance.now();
        const res = await fetch(`${base}/v1/aggregates/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ dimensions, accuracy: { sigma } }),
        });
        const text = await res.text();
        times.push(performance.now() - t0);
        statusCodes[res.status] = (statusCodes[res.status] ?? 0) + 1;
        if (res.ok) cells.push((JSON.parse(text) as { cells: unknown[] }).cells.length);
      }
    }),
  );
  return summarize(times, statusCodes, cells);
}

/** Answers, status codes, median and max time, and up to 3 distinct sizes of a load. */
function summarize(times: number[], statusCodes: Record<string, number>, sizes: number[]): AggregateLoad {
  times.sort((a, b) => a - b);
  return {
    answers: times.length,
    statusCodes,
    msMedian: times[Math.floor(times.length / 2)] ?? 0,
    msMax: times[times.length - 1] ?? 0,
    cells: [...new Set(sizes)].slice(0, 3),
  };
}

/**
 * Queries whose CSV is a large full grid; the first one answered (not refused as too complex for the seeded data)
 * is the load: its stored answer's CSV, asked back to back (free: no budget, no counting, only the render).
 */
const CSV_CANDIDATES = [
  { dimensions: ['citizenship', 'countryOfExploitation', 'ageBroad'] }, // 251 x 251 x ageBroad's values
  { dimensions: ['citizenship', 'countryOfExploitation', 'gender'] },
  { dimensions: ['citizenship', 'countryOfExploitation'] }, // 63,001 cells
];

let csvQueryLog = '';

async function heavyCsv(base: string, researchers: string[], stop: Promise<unknown>): Promise<AggregateLoad> {
  let running = true;
  void stop.finally(() => (running = false));
  const times: number[] = [];
  const statusCodes: Record<string, number> = {};
  const sizes: number[] = [];
  const ask = async (token: string, query: object): Promise<string | undefined> => {
    const res = await fetch(`${base}/v1/aggregates/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(query),
    });
    return res.ok ? ((await res.json()) as { queryId: string }).queryId : undefined;
  };
  // The first candidate the first researcher gets answered; the others then receive its stored answer.
  let chosen: { dimensions: string[] } | undefined;
  for (const query of CSV_CANDIDATES) {
    if (await ask(researchers[0], query)) {
      chosen = query;
      break;
    }
  }
  if (!chosen) throw new Error('no CSV candidate query was answered');
  csvQueryLog = `[${chosen.dimensions.join(', ')}]`;
  const query = chosen;
  await Promise.all(
    researchers.map(async (token) => {
      const queryId = await ask(token, query);
      if (!queryId) throw new Error('the chosen CSV query was refused');
      while (running) {
        const t0 = performance.now();
        const res = await fetch(`${base}/v1/aggregates/answers/${queryId}?format=csv`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const bytes = (await res.arrayBuffer()).byteLength;
        times.push(performance.now() - t0);
        statusCodes[res.status] = (statusCodes[res.status] ?? 0) + 1;
        if (res.ok) sizes.push(Math.round(bytes / 1e6));
      }
    }),
  );
  return summarize(times, statusCodes, sizes);
}

/** The issue's example of a heavy aggregate: 4,816 non-empty cells on its data. */
const ISSUE_SHAPE = ['citizenship', 'countryOfExploitation'];

/** Candidate heavy queries; the slowest one that is answered (not refused as too large) is the load. */
const CANDIDATES = [
  ['citizenship', 'countryOfExploitation'],
  ['citizenship', 'countryOfExploitation', 'yearOfRegistration'],
  ['citizenship', 'yearOfRegistration', 'gender'],
  ['citizenship', 'exploitationTypes', 'yearOfRegistration'],
];

const candidateLog: string[] = [];

async function heaviestQuery(base: string, token: string): Promise<string[]> {
  let best = { ms: -1, dimensions: CANDIDATES[0] };
  for (const dimensions of CANDIDATES) {
    const t0 = performance.now();
    const res = await fetch(`${base}/v1/aggregates/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ dimensions, accuracy: { sigma: 9.999 } }),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    const cells = res.ok ? (JSON.parse(text) as { cells: unknown[] }).cells.length : undefined;
    const message = res.ok ? '' : ` ${(JSON.parse(text) as { message: string }).message.slice(0, 120)}`;
    candidateLog.push(
      `[${dimensions.join(', ')}]: ${res.status} in ${ms.toFixed(0)} ms, ${cells ?? '–'} cells listed${message}`,
    );
    log(candidateLog[candidateLog.length - 1]);
    if (res.ok && ms > best.ms) best = { ms, dimensions };
  }
  return best.dimensions;
}

let spreadNote = '';

/** Moves `count` random cases to uniformly drawn citizenship and country codes (see --spread). */
async function spread(url: string, count: number): Promise<void> {
  const codes = (DIMENSIONS.citizenship.values as string[]).filter((c) => /^[A-Z]{2}$/.test(c)).slice(0, 70);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rowCount } = await db.query(
      `UPDATE cases SET citizenship = ($1::text[])[1 + floor(random() * 70)::int],
              country_of_exploitation = ($1::text[])[1 + floor(random() * 70)::int]
        WHERE id IN (SELECT id FROM cases WHERE citizenship IS NOT NULL ORDER BY random() LIMIT $2)`,
      [codes, count],
    );
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM (SELECT DISTINCT citizenship, country_of_exploitation FROM cases
        WHERE erased_at IS NULL AND consent_research) AS cells`,
    );
    spreadNote =
      `--spread: ${rowCount} cases moved to uniform citizenship x country codes (70 x 70); ` +
      `${(rows[0] as { n: number }).n} non-empty citizenship x countryOfExploitation cells among the counted cases.`;
    log(spreadNote);
  } finally {
    await db.end();
  }
}

// ---------------------------------------------------------------- main

interface Phase {
  name: string;
  load: string;
  loopDelay?: LoopDelay;
  profileTop?: string[];
  reads: LoadResult;
  health: HealthResult;
  flood?: FloodResult;
  aggregates?: AggregateLoad;
  /** `cells` holds the CSV's size in MB. */
  csv?: AggregateLoad;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-bench-abuse-'));
  const embedded = await startEmbeddedPostgres({
    dir: path.join(dir, 'pg'),
    port: 43000 + Math.floor(Math.random() * 9000),
    persistent: false,
  });
  let service: ChildProcess | undefined;
  const started = new Date();
  const loadAtStart = loadAverage();
  try {
    await createDatabaseIfMissing(embedded.urlFor('postgres'), 'bench');
    const port = 52000 + Math.floor(Math.random() * 9000);
    const env = serviceEnv(embedded.urlFor('bench'), port, {
      KEYS_FILE: path.join(os.tmpdir(), `ctr-bench-abuse-keys-${process.pid}.json`),
      ...generateKeys(),
      // Out of the way: the bench measures what reaches the server, not the limiter refusing it.
      RATE_LIMIT_PER_CLIENT: '1000000',
      // Budgets large enough for a few hundred heavy queries.
      AGGREGATE_RESEARCHER_BUDGET_RHO: '100',
      AGGREGATE_GLOBAL_BUDGET_RHO: '10000',
    });
    const { child, base } = await startService(env);
    service = child;
    log(`seeding ${CASES} cases (load ${loadAverage()})`);
    const { stdout } = await run(
      process.execPath,
      ['dist/src/seed/seed-command.js', '--cases', String(CASES), '--offices', '10', '--seed', '7'],
      { env, maxBuffer: 1 << 24 },
    );
    log(stdout.trim());

    if (SPREAD > 0) await spread(embedded.urlFor('bench'), SPREAD);
    const admin = await login(base, 'admin');
    const offices = await api<{ id: string; code: string }[]>(base, 'GET', '/v1/offices', admin);
    const office = offices.find((o) => o.code === 'SEED-001');
    if (!office) throw new Error('no seed office');
    const caseworker = await user(base, admin, 'caseworker', office.id);
    const researchers = await Promise.all([1, 2, 3].map(() => user(base, admin, 'researcher')));
    const page = await api<{ items: { id: string }[] }>(base, 'GET', '/v1/cases?limit=100', caseworker);
    const ids = page.items.map((c) => c.id);
    const readSpec: HttpLoadSpec = {
      url: base,
      method: 'GET',
      path: '/v1/cases/{id}',
      token: caseworker,
      connections: READ_CONNECTIONS,
      seconds: SECONDS,
      ids,
    };
    const bodyFile = path.join(dir, 'login-60000-keys.json');
    fs.writeFileSync(
      bodyFile,
      JSON.stringify(Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, i]))),
    );

    // Warm-up: JIT, the pool, the case cache of PostgreSQL.
    await reads({ ...readSpec, seconds: 3 });

    const phases: Phase[] = [];
    const measure = async (name: string, extra?: (stop: Promise<unknown>) => Promise<Partial<Phase>>) => {
      log(`${name} (load ${loadAverage()})`);
      await measureService(child, 'start');
      const readsDone = reads(readSpec);
      const [r, health, more] = await Promise.all([
        readsDone,
        healthProbe(base, readsDone),
        extra ? extra(readsDone) : Promise.resolve({}),
      ]);
      const file = args.profile ? path.join(PROFILE_DIR, `abuse-${phases.length + 1}.cpuprofile`) : undefined;
      if (file) fs.mkdirSync(PROFILE_DIR, { recursive: true });
      const loopDelay = await measureService(child, 'stop', file);
      const profileTop = file ? topFunctions(file, 10) : undefined;
      phases.push({ name, load: loadAverage(), reads: r, health, loopDelay, profileTop, ...more });
      log(
        `${name}: reads p99 ${r.p99} ms, /health p99 ${health.p99.toFixed(1)} ms, loop delay p99 ${loopDelay?.p99} ms`,
      );
      if (profileTop) log(profileTop.join('\n'));
    };
    await measure('baseline: reads alone');
    await measure('60,000-key anonymous login bodies, 8 connections', async () => ({
      flood: await flood(`${base}/v1/auth/login`, bodyFile, SECONDS),
    }));
    await measure(
      '60,000-key anonymous bodies to POST /v1/cases (under its 1 MB limit), 8 connections',
      async () => ({
        flood: await flood(`${base}/v1/cases`, bodyFile, SECONDS),
      }),
    );
    // With --spread, the issue's own heavy shape (thousands of non-empty cells); else the slowest candidate.
    const heavy = SPREAD > 0 ? ISSUE_SHAPE : await heaviestQuery(base, researchers[0]);
    await measure(`heavy aggregates [${heavy.join(', ')}], 3 researchers back to back`, async (stop) => ({
      aggregates: await heavyAggregates(base, researchers, heavy, stop),
    }));
    await measure(
      'CSV of a full grid (GET answers/:id?format=csv), 3 researchers back to back',
      async (stop) => ({
        csv: await heavyCsv(base, researchers, stop),
      }),
    );
    phases[phases.length - 1].name += ` ${csvQueryLog}`;
    write(started, loadAtStart, phases);
  } finally {
    if (service && service.exitCode === null) {
      const exited = new Promise((r) => service?.once('exit', r));
      service.kill('SIGINT');
      await exited;
    }
    await embedded.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function write(started: Date, loadAtStart: string, phases: Phase[]): void {
  const ms = (x: number) => x.toFixed(1);
  const lines = [
    `## ${started.toISOString().slice(0, 16)}Z — ${CASES.toLocaleString('en')} cases, ${SECONDS} s per phase`,
    '',
    `Machine: ${os.cpus().length} CPUs (shared), Node ${process.version}; load average (1, 5, 15 min) at start ${loadAtStart}, ` +
      `after the run ${loadAverage()}. Reads: GET /v1/cases/:id, ${READ_CONNECTIONS} connections (autocannon, own process).`,
    '',
    '| phase | load avg (end) | reads/s | reads p50 ms | reads p99 ms | /health checks | /health p50 / p99 / max ms | /health > 100 ms | service loop delay p50 / p99 / max ms | abusive load |',
    '| ----- | -------------- | ------- | ------------ | ------------ | -------------- | -------------------------- | ---------------- | ------------------------------------- | ------------ |',
    ...phases.map((p) => {
      const abuse = p.flood
        ? `${p.flood.requests} bodies answered (${JSON.stringify(p.flood.statusCodes)}), ${p.flood.errors} socket errors, ≈ ${p.flood.mbSent} MB sent`
        : p.csv
          ? `${p.csv.answers} CSVs (${JSON.stringify(p.csv.statusCodes)}), median ${ms(p.csv.msMedian)} ms, max ${ms(p.csv.msMax)} ms, ${p.csv.cells.join('/')} MB each`
          : p.aggregates
            ? `${p.aggregates.answers} queries (${JSON.stringify(p.aggregates.statusCodes)}), median ${ms(p.aggregates.msMedian)} ms, max ${ms(p.aggregates.msMax)} ms, cells ${p.aggregates.cells.join('/')}`
            : '–';
      return (
        `| ${p.name} | ${p.load} | ${Math.round(p.reads.perSecond)} | ${p.reads.p50} | ${p.reads.p99} ` +
        `(non-2xx ${p.reads.non2xx}) | ${p.health.checks} | ${ms(p.health.p50)} / ${ms(p.health.p99)} / ${ms(p.health.max)} | ` +
        `${p.health.over100}${p.health.non200 ? ` (${p.health.non200} non-200)` : ''} | ` +
        `${p.loopDelay ? `${p.loopDelay.p50} / ${p.loopDelay.p99} / ${p.loopDelay.max}` : '–'} | ${abuse} |`
      );
    }),
    '',
    `Command: \`flock /tmp/bench.lock npm run bench:abuse -- --cases ${CASES} --seconds ${SECONDS}${args.profile ? ' --profile' : ''}${SPREAD ? ` --spread ${SPREAD}` : ''}\`.`,
    '',
    ...(spreadNote ? [spreadNote, ''] : []),
    ...phases.flatMap((p, i) =>
      p.profileTop
        ? [`Service CPU profile, phase ${i + 1} (${p.name}):`, '', '```', ...p.profileTop, '```', '']
        : [],
    ),
    'Heavy-query candidates (alone, before the phase; the slowest answered one is the load):',
    '',
    ...candidateLog.map((line) => `- ${line}`),
    '',
  ];
  const header = fs.existsSync(RESULTS)
    ? ''
    : '# Abuse benchmark (`npm run bench:abuse`, issue 10)\n\nGoal: reads p99 < 50 ms while abusive bodies or heavy aggregates run; /health within 100 ms.\n\n';
  fs.appendFileSync(RESULTS, header + lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
}

// Exits explicitly: autocannon's or fetch's kept-alive sockets must not hold a finished bench open.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
