/**
 * `npm run bench:answer -- [--cases N] [--expand-to M] [--data-dir DIR] [--repeats R] [--query NAME] [--dump-input F]`:
 * one big aggregate answer end to end (issue 14: "a 50,000-cell answer over 1,000,000 cases, end to end,
 * ≤ 1.2× the raw one-scan GROUPING SETS SQL computing the same cells, margins and total").
 *
 * - The database persists in DIR (default /tmp/ctr-answer-bench: an embedded PostgreSQL, its keys beside it),
 *   so a later run reuses the cases already seeded. `--cases N`: seeded to N cases through the domain code
 *   (`npm run seed`). `--expand-to M`: then SQL copies of the seeded rows up to M cases (new ids; see
 *   expand() for what a copy changes), because seeding 1,000,000 cases through the domain takes hours here.
 * - Per repeat: one case's updated_at moves (a new data version: the answer is counted, protected, noised,
 *   signed and stored anew; a new researcher alone would get the stored answer of the same query and version),
 *   then the raw statement the service runs (aggregate-sql.ts buildAggregateSql, same parameters) through
 *   node-pg on the same database, then `POST /v1/aggregates/query` by a new researcher.
 * - Breakdown, in this process on the raw rows, with the service's own functions: protection, noise, the
 *   signed manifest, the stored JSON, the CSV, an audit append and the inserts.
 * Results: appended to bench/results/answer.md (with the load average), printed too.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { generateKeys } from '../src/config/keys.js';
import { canonicalJson } from '../src/common/canonical-json.js';
import { ed25519FromSeed, generateKeyBase64, parseKey, prfBitStream } from '../src/crypto/index.js';
import { startEmbeddedPostgres } from '../src/database/embedded.js';
import { createDatabaseIfMissing } from '../src/database/provision.js';
import {
  closeProtectionPool,
  discreteGaussian,
  protectTableAsync,
  sigmaSquared,
} from '../src/disclosure/index.js';
import { buildAggregateSql, type AggregateRow } from '../src/aggregates/aggregate-sql.js';
import { MAX_CELLS } from '../src/aggregates/aggregates.service.js';
import { canonicalQuery, filtersOf } from '../src/aggregates/canonical-query.js';
import { domainsFor } from '../src/aggregates/domains.js';
import { AggregateQueryDto } from '../src/aggregates/dto/aggregate-query.dto.js';
import { buildRelease, tableInputOf } from '../src/aggregates/release.js';
import { releaseCsv } from '../src/aggregates/release-csv.js';
import { signedRelease } from '../src/aggregates/release-manifest.js';
import { validateBody } from '../src/common/validation.js';
import { topFunctions } from './profile-top.js';
import {
  api,
  apiText,
  BENCH_PASSWORD,
  createUser,
  loadAverage,
  login,
  serviceEnv,
  waitForHealth,
} from './service-client.js';

const run = promisify(execFile);
/** Users of this run: the database persists between runs, so their names must not repeat. */
const RUN = `answer-bench-${Date.now().toString(36)}`;
const K = 11;
const SIGMA = 10;

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    'expand-to': { type: 'string' },
    'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'ctr-answer-bench') },
    repeats: { type: 'string', default: '3' },
    query: { type: 'string', default: 'country-pairs-by-age' },
    profile: { type: 'boolean', default: false },
    // Writes the answer's true-count table (disclosure TableInput) as JSON, for profiling the protection alone.
    'dump-input': { type: 'string' },
  },
});
const CASES = Number(args.cases.replaceAll('_', ''));
const EXPAND_TO = args['expand-to'] ? Number(args['expand-to'].replaceAll('_', '')) : undefined;
const REPEATS = Number(args.repeats);
const DIR = path.resolve(args['data-dir']);

/** The queries, by name: answers with tens of thousands of non-empty cells on the seeded data. */
const QUERIES: Record<string, { dimensions: string[]; filters?: Record<string, unknown> }> = {
  'country-pairs': { dimensions: ['citizenship', 'countryOfExploitation'] },
  'country-pairs-by-year': { dimensions: ['citizenship', 'countryOfExploitation', 'yearOfRegistration'] },
  'country-pairs-by-year-2015': {
    dimensions: ['citizenship', 'countryOfExploitation', 'yearOfRegistration'],
    filters: { yearOfRegistration: { gte: 2015 } },
  },
  'country-pairs-by-age': { dimensions: ['citizenship', 'countryOfExploitation', 'ageBroad'] },
  // Issue 14's own example: a 3-D answer with a multi-valued dimension.
  'citizenship-types-by-year': { dimensions: ['citizenship', 'exploitationTypes', 'yearOfRegistration'] },
};

function log(message: string): void {
  process.stderr.write(`[answer ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function keys(): Record<string, string> {
  const file = path.join(DIR, 'keys.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const fresh: Record<string, string> = { ...generateKeys() };
  fs.mkdirSync(DIR, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(fresh), { mode: 0o600 });
  return fresh;
}

async function profiler(child: ChildProcess, cmd: 'start' | 'stop', file?: string): Promise<void> {
  const done = new Promise((r) => child.once('message', r));
  child.send({ cmd, file });
  await done;
}

const SERVICE_LOG = path.join(os.tmpdir(), 'ctr-answer-bench-service.log');

async function startService(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  // With --profile the service runs under the V8 profiler (bench/profiled-main.ts), driven over IPC.
  const main = args.profile ? 'dist-bench/bench/profiled-main.js' : 'dist/src/main.js';
  const child = spawn(process.execPath, [main], {
    env,
    stdio: ['ignore', fs.openSync(SERVICE_LOG, 'w'), 'inherit', ...(args.profile ? (['ipc'] as const) : [])],
  });
  await waitForHealth(child, `http://127.0.0.1:${env.PORT}`, SERVICE_LOG);
  return child;
}

async function caseCount(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases`);
  return rows[0].n;
}

/**
 * Up to `target` cases by SQL copies of the seeded rows (never of copies), each under a new id, in chunks.
 * A copy keeps every column (ciphertexts, pseudonym, attributes) except: the id; and country_of_exploitation
 * and year_of_registration (with registration_date), which it takes from another seeded row chosen at
 * random — so the copies do not just multiply the seeded answer's counts, they spread over more
 * (citizenship, country, year) combinations. A copy's ciphertexts cannot be opened (its data key is bound to
 * the original id); aggregates never read them. Copies are marked by created_by = the bench's copy user.
 */
async function expand(db: pg.Client, target: number): Promise<void> {
  if ((await caseCount(db)) >= target) return;
  const seeded = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM cases WHERE created_by IS DISTINCT FROM $1`,
    [COPY_AUTHOR],
  );
  const base = seeded.rows[0].n;
  await db.query(
    `CREATE TABLE IF NOT EXISTS answer_bench_src AS
       SELECT row_number() OVER (ORDER BY id) AS n, id FROM cases WHERE created_by IS DISTINCT FROM $1`,
    [COPY_AUTHOR],
  );
  const { rows: cols } = await db.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = 'cases'::regclass AND attnum > 0
        AND NOT attisdropped AND attname NOT IN ('id', 'created_by', 'country_of_exploitation',
        'year_of_registration', 'registration_date') ORDER BY attnum`,
  );
  const list = cols.map((c) => `"${c.name}"`).join(', ');
  const chunk = 100_000;
  for (let have = await caseCount(db); have < target; have = await caseCount(db)) {
    const n = Math.min(chunk, target - have);
    const t0 = performance.now();
    await db.query(
      `INSERT INTO cases (id, created_by, country_of_exploitation, year_of_registration, registration_date, ${list})
       SELECT gen_random_uuid(), $1::uuid, o.country_of_exploitation, o.year_of_registration, o.registration_date,
              ${cols.map((c) => `c."${c.name}"`).join(', ')}
         FROM (SELECT (1 + floor(random() * $2))::bigint AS a, (1 + floor(random() * $2))::bigint AS b
                 FROM generate_series(1, $3)) r
         JOIN answer_bench_src sa ON sa.n = r.a JOIN cases c ON c.id = sa.id
         JOIN answer_bench_src sb ON sb.n = r.b JOIN cases o ON o.id = sb.id`,
      [COPY_AUTHOR, base, n],
    );
    log(`copied ${n} cases (${have + n}/${target}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await db.query('VACUUM ANALYZE cases');
}

let COPY_AUTHOR = '';

async function seedTo(env: NodeJS.ProcessEnv, db: pg.Client, target: number): Promise<string | undefined> {
  const have = await caseCount(db);
  if (have >= target) return undefined;
  log(`seeding ${target - have} cases (have ${have}; load ${loadAverage()})`);
  const { stdout } = await run(
    process.execPath,
    [
      'dist/src/seed/seed-command.js',
      '--cases',
      String(target - have),
      '--offices',
      '10',
      '--seed',
      String(have + 1),
    ],
    { env, maxBuffer: 1 << 24 },
  );
  log(stdout.trim());
  return stdout.trim();
}

function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Writes the answer's true-count table (disclosure TableInput) as JSON, for profiling the protection alone. */
async function dumpInput(
  body: { dimensions: string[]; filters?: Record<string, unknown> },
  rows: (AggregateRow & { marker: string })[],
  file: string,
): Promise<void> {
  const query = canonicalQuery(await validateBody(AggregateQueryDto, body), SIGMA);
  const table = tableInputOf(query.dimensions, rows, domainsFor(query.dimensions, filtersOf(query)));
  fs.writeFileSync(file, JSON.stringify(table));
}

/** The stages of the answer path, in this process, on the raw rows (the service's functions). */
async function breakdown(
  db: pg.Client,
  body: { dimensions: string[]; filters?: Record<string, unknown> },
  rows: (AggregateRow & { marker: string })[],
): Promise<Record<string, number>> {
  const input = await validateBody(AggregateQueryDto, body);
  const query = canonicalQuery(input, SIGMA);
  const noiseKey = parseKey('noise', generateKeyBase64());
  const signingKey = ed25519FromSeed(parseKey('seed', generateKeyBase64()));
  const domains = domainsFor(query.dimensions, filtersOf(query));
  const out: Record<string, number> = {};

  const table = tableInputOf(query.dimensions, rows, domains);
  const t0 = performance.now();
  const decision = await protectTableAsync(table, { k: K, budgetMs: 600_000 });
  out['protection (protectTableAsync, worker; no time budget here)'] = performance.now() - t0;
  const release = time(() =>
    buildRelease({
      input: table,
      table: decision,
      k: K,
      sigma: query.sigma,
      noiseKey,
      noiseLabel: `${query.text}|bench`,
    }),
  );
  out['noise + listing (buildRelease)'] = release.ms;
  const r = release.result;
  const released = [
    ...r.cells,
    ...Object.values(r.margins ?? {}).flat(),
    ...(r.total ? [r.total] : []),
  ].filter((c) => !c.suppressed).length;
  out['released counts'] = released;

  const cellRows = rows.filter((row) => row.part === 'cells');
  out['cells (non-empty)'] = cellRows.length;
  const s2 = sigmaSquared(query.sigma);
  const noise = time(() => {
    let sum = 0;
    for (let i = 0; i < released; i++)
      sum += Number(discreteGaussian(s2, prfBitStream(noiseKey, `x|cells:${i}`)));
    return sum;
  });
  out['noise alone (one draw per released count)'] = noise.ms;

  const answer = {
    ...r,
    disclosureControl: { statement: 'bench', noise: { sigma: query.sigma, halfWidth95: 20 } },
    budget: { charged: 0.01, remaining: 0.3, total: 0.33, periodEnd: '2099-12-31' },
    queryId: '0b7f5c8e-8d4f-4c3b-9a57-5a1f0d6c2e11',
  };
  const facts = {
    queryId: answer.queryId,
    query: { dimensions: query.dimensions, filters: query.filters, sigma: query.sigma },
    k: K,
    mechanism: { sigma: query.sigma },
    rhoCharged: 0.01,
    dataVersion: '2026-12-01/x',
    dataCountedAt: '2026-12-01T00:00:00.000Z',
    releasedAt: '2026-12-01T00:00:00.000Z',
    service: { name: 'ctr-case-api', version: '0.1.0' },
  };
  const signed = time(() => signedRelease(answer, facts, signingKey));
  out['manifest + release text (signedRelease: canonical JSON, two SHA-256, Ed25519)'] = signed.ms;
  const text = { result: signed.result.text };
  out['release text KiB'] = text.result.length / 1024;
  const stored = time(() => JSON.stringify(r));
  out['stored answer JSON.stringify'] = stored.ms;
  out['stored answer KiB'] = stored.result.length / 1024;
  const csv = time(() => releaseCsv(text.result));
  out['CSV render (not on the JSON path)'] = csv.ms;

  await db.query(`CREATE TEMP TABLE IF NOT EXISTS answer_bench_store (answer jsonb, document text)`);
  out['INSERT answer jsonb'] = (
    await timeAsync(() => db.query(`INSERT INTO answer_bench_store (answer) VALUES ($1)`, [stored.result]))
  ).ms;
  out['INSERT document text'] = (
    await timeAsync(() => db.query(`INSERT INTO answer_bench_store (document) VALUES ($1)`, [text.result]))
  ).ms;
  out['canonicalJson of the answer alone'] = time(() => canonicalJson(r)).ms;
  return out;
}

async function main(): Promise<void> {
  fs.mkdirSync(DIR, { recursive: true });
  // PostgreSQL's own log of every statement over 100 ms, with its duration (where the service's time goes).
  const pgLog = path.join(DIR, 'postgres.log');
  const embedded = await startEmbeddedPostgres({
    dir: path.join(DIR, 'pg'),
    persistent: true,
    onLog: (line) => fs.appendFileSync(pgLog, `${line}\n`),
  });
  await createDatabaseIfMissing(embedded.urlFor('postgres'), 'bench');
  const dbUrl = embedded.urlFor('bench');
  const port = 43000 + Math.floor(Math.random() * 9000);
  const env = serviceEnv(dbUrl, port, {
    // One answer over 1,000,000 cases may scan for longer than the default 30 s under this machine's load.
    DB_STATEMENT_TIMEOUT_MS: '600000',
    KEYS_FILE: path.join(DIR, 'service-keys.json'),
    KEY_EPOCH_DIR: path.join(DIR, 'epoch-keys'),
    K_ANONYMITY_THRESHOLD: String(K),
    AGGREGATE_DEFAULT_SIGMA: String(SIGMA),
    // Many researchers each ask one big query: the global cap would otherwise refuse the later repeats.
    AGGREGATE_GLOBAL_BUDGET_RHO: '1000',
    ...keys(),
  });
  const base = `http://127.0.0.1:${port}`;
  const db = new pg.Client({ connectionString: dbUrl });
  db.on('error', () => undefined);
  let service: ChildProcess | undefined;
  const lines: string[] = [];
  try {
    await db.connect();
    await db.query(`ALTER SYSTEM SET log_min_duration_statement = 100`);
    await db.query(`SELECT pg_reload_conf()`);
    service = await startService(env);
    const seeded = await seedTo(env, db, CASES);
    const admin = await login(base, 'admin');
    if (EXPAND_TO) {
      await api(base, 'POST', '/v1/users', admin, {
        username: 'answer-bench-copies',
        password: BENCH_PASSWORD,
        role: 'auditor',
      }).catch(() => undefined); // exists from an earlier run
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM users WHERE username = 'answer-bench-copies'`,
      );
      COPY_AUTHOR = rows[0].id;
      await expand(db, EXPAND_TO);
    }
    const cases = await caseCount(db);
    const body = QUERIES[args.query];
    if (!body) throw new Error(`unknown --query ${args.query}: one of ${Object.keys(QUERIES).join(', ')}`);
    const input = await validateBody(AggregateQueryDto, body);
    const query = canonicalQuery(input, SIGMA);
    // The service's statement, with its bound on the rows (MAX_CELLS), exactly as it runs it.
    const { sql, params } = buildAggregateSql(query.dimensions, filtersOf(query), { maxCells: MAX_CELLS });

    const started = new Date().toISOString();
    const loadBefore = loadAverage();
    const rawMs: number[] = [];
    const apiMs: number[] = [];
    let rows: (AggregateRow & { marker: string })[] = [];
    let answerBytes = 0;
    for (let i = 0; i < REPEATS; i++) {
      const token = await createUser(base, admin, 'researcher', { prefix: RUN });
      // A new data version (the latest case change moves), so that this repeat is counted, protected, noised
      // and stored anew: a new researcher alone would receive the stored answer of the same query and version.
      await db.query(
        `UPDATE cases SET updated_at = now() WHERE id = (SELECT id FROM cases ORDER BY id LIMIT 1)`,
      );
      log(`repeat ${i + 1}: raw SQL (load ${loadAverage()})`);
      const raw = await timeAsync(() => db.query<AggregateRow & { marker: string }>(sql, params));
      rawMs.push(raw.ms);
      rows = raw.result.rows;
      if (i === 0 && args['dump-input']) await dumpInput(body, rows, args['dump-input']);
      log(`  raw ${raw.ms.toFixed(0)} ms, ${rows.filter((r) => r.part === 'cells').length} cells; API`);
      if (args.profile && service) await profiler(service, 'start');
      const res = await timeAsync(() => apiText(base, 'POST', '/v1/aggregates/query', token, body));
      if (args.profile) {
        const file = path.join(DIR, `answer-${i + 1}.cpuprofile`);
        await profiler(service!, 'stop', file);
        log(topFunctions(file, 25).join('\n'));
      }
      apiMs.push(res.ms);
      answerBytes = res.result.length;
      log(`  API ${res.ms.toFixed(0)} ms (${(answerBytes / 1024).toFixed(0)} KiB)`);
    }
    const loadAfter = loadAverage();
    log('breakdown');
    const stages = await breakdown(db, body, rows);
    const cells = rows.filter((r) => r.part === 'cells').length;
    const ratio = median(apiMs) / median(rawMs);
    lines.push(
      `\n## ${started} — ${args.query}: ${cells.toLocaleString('en')} non-empty cells over ${cases.toLocaleString('en')} cases`,
      '',
      `Command: \`flock /tmp/bench.lock npm run bench:answer -- --cases ${CASES}${EXPAND_TO ? ` --expand-to ${EXPAND_TO}` : ''} --query ${args.query} --repeats ${REPEATS}\`; ` +
        `${os.cpus().length} CPUs shared with other sessions, node ${process.version}; load average ${loadBefore} before, ${loadAfter} after.` +
        (seeded ? ` Seeded in this run: ${seeded}.` : ''),
      '',
      `Query: \`${JSON.stringify(body)}\`; answer ${(answerBytes / 1024).toFixed(0)} KiB of JSON.`,
      '',
      '| | median ms | all runs ms |',
      '| --- | --- | --- |',
      `| raw SQL (node-pg, same statement and parameters) | ${median(rawMs).toFixed(0)} | ${rawMs.map((x) => x.toFixed(0)).join(', ')} |`,
      `| POST /v1/aggregates/query (new data version and researcher each) | ${median(apiMs).toFixed(0)} | ${apiMs.map((x) => x.toFixed(0)).join(', ')} |`,
      `| **ratio API / raw** | **${ratio.toFixed(2)}** | goal ≤ 1.2 |`,
      '',
      'Breakdown (this process, the service functions on the raw rows, one run):',
      '',
      '| stage | value |',
      '| --- | --- |',
      ...Object.entries(stages).map(
        ([k, v]) => `| ${k} | ${/KiB|counts|cells/.test(k) ? v.toFixed(0) : `${v.toFixed(1)} ms`} |`,
      ),
      '',
    );
  } finally {
    await db.end().catch(() => undefined);
    if (service) {
      const exited = new Promise((r) => service!.once('exit', r));
      service.kill('SIGINT');
      await exited;
    }
    await embedded.stop();
    await closeProtectionPool();
  }
  const out = lines.join('\n');
  fs.mkdirSync('bench/results', { recursive: true });
  fs.appendFileSync('bench/results/answer.md', out);
  process.stdout.write(out);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
