/**
 * Writes synthetic cases through the service's own domain code: offices and their creating caseworkers
 * through OfficesService and UsersService, each case row through newCaseRow (envelope encryption,
 * pseudonym, blind indexes, derived attributes, record key) and one `case.create` audit event per case
 * through AuditService.recordMany (one statement per batch), in the cases' transaction. Only the batching differs from the API:
 * a few hundred cases per transaction, inserted with one multi-row INSERT.
 */
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { SessionService } from '../auth/session.service.js';
import type { RequestContext } from '../common/request-context.js';
import type { AppConfig } from '../config/app-config.js';
import type { KeyMaterial } from '../config/keys.js';
import { MAX_CASES_PER_INSERT, scopedCases, type NewCase } from '../cases/case.repository.js';
import { rolloverKeys } from '../cases/rewrap.js';
import { generateKeyBase64 } from '../crypto/index.js';
import { EpochKeyring } from '../keyring/epoch-keyring.js';
import { EpochKeyStore } from '../keyring/epoch-store.js';
import { OfficesService } from '../users/offices.service.js';
import { UsersService } from '../users/users.service.js';
import { Worker } from 'node:worker_threads';
import type { BatchRequest, SeedWorkerData, SeedWorkerKeys } from './seed-worker.js';

export interface SeedOptions {
  cases: number;
  offices: number;
  /** PRNG seed: the same seed gives the same attributes and identities. */
  seed: number;
  /** Cases per transaction. */
  batch: number;
  onProgress?: (done: number) => void;
}

export interface SeedResult {
  cases: number;
  offices: number;
  seconds: number;
  perSecond: number;
}

/** Seed offices are SEED-001 … in these countries, round robin. */
const OFFICE_COUNTRIES = ['PH', 'UA', 'MD', 'US', 'ID', 'TH', 'NG', 'RO', 'VN', 'NP'];
export const seedOfficeCode = (n: number) => `SEED-${String(n + 1).padStart(3, '0')}`;
export const seedCaseworker = (n: number) => `seed-caseworker-${String(n + 1).padStart(3, '0')}`;

interface Author {
  id: string;
  officeId: string;
}

/** The seed offices and one caseworker each (created if missing, audited as the API would). */
async function ensureAuthors(dataSource: DataSource, audit: AuditService, count: number): Promise<Author[]> {
  const ctx: RequestContext = { requestId: `seed-${Date.now()}`, ip: 'local', actor: null };
  const offices = new OfficesService(dataSource, audit);
  const users = new UsersService(dataSource, audit, new SessionService());
  const authors: Author[] = [];
  for (let n = 0; n < count; n++) {
    const code = seedOfficeCode(n);
    let [office] = (await dataSource.query(`SELECT id FROM offices WHERE code = $1`, [code])) as {
      id: string;
    }[];
    office ??= await offices.create(ctx, {
      code,
      name: `Synthetic office ${n + 1}`,
      countryCode: OFFICE_COUNTRIES[n % OFFICE_COUNTRIES.length],
    });
    const username = seedCaseworker(n);
    let [user] = (await dataSource.query(`SELECT id FROM users WHERE username = $1`, [username])) as {
      id: string;
    }[];
    // Nobody logs in as a seed author: the password is random and forgotten.
    user ??= await users.create(ctx, {
      username,
      password: generateKeyBase64(),
      role: 'caseworker',
      officeId: office.id,
    });
    authors.push({ id: user.id, officeId: office.id });
  }
  return authors;
}

/** What crosses to the worker: the keys a case row needs (structured clone cannot copy the signing keys). */
const seedWorkerKeys = (keys: KeyMaterial): SeedWorkerKeys => ({
  masterKeys: keys.masterKeys,
  pseudonymKey: keys.pseudonymKey,
  blindIndexKey: keys.blindIndexKey,
  epochDir: keys.epochDir,
});

/** Seeds `options.cases` synthetic cases spread over `options.offices` offices (skewed: office 1 is busiest). */
export async function seedCases(
  dataSource: DataSource,
  config: AppConfig,
  options: SeedOptions,
): Promise<SeedResult> {
  const started = performance.now();
  const audit = new AuditService(dataSource, config);
  const authors = await ensureAuthors(dataSource, audit, options.offices);
  const runId = `seed-${options.seed}-${Date.now().toString(36)}`;
  const batchSize = Math.max(1, Math.min(options.batch, MAX_CASES_PER_INSERT));
  const keyring = new EpochKeyring(
    new EpochKeyStore(config.keys.epochDir),
    config.keys.masterKeys,
    config.env.KEY_EPOCH_SECONDS,
  );
  await keyring.refresh(dataSource);
  if (!keyring.current()) await rolloverKeys(dataSource, keyring, audit, { wait: true });
  const workerData: SeedWorkerData = {
    seed: options.seed,
    env: config.env,
    keys: seedWorkerKeys(config.keys),
    epochs: [...keyring.live()],
    authors,
  };
  const worker = new Worker(new URL('./seed-worker.js', import.meta.url), { workerData });
  const build = (request: BatchRequest) =>
    new Promise<NewCase[]>((resolve, reject) => {
      worker.once('message', (rows: NewCase[]) => {
        worker.off('error', reject);
        resolve(rows.map(withBuffers));
      });
      worker.once('error', reject);
      worker.postMessage(request);
    });

  let done = 0;
  try {
    let pending = build({ start: 0, size: Math.min(batchSize, options.cases) });
    while (done < options.cases) {
      const rows = await pending;
      const next = done + rows.length;
      // The worker builds the next batch while this one is written.
      if (next < options.cases)
        pending = build({ start: next, size: Math.min(batchSize, options.cases - next) });
      await dataSource.transaction(async (em) => {
        // Each author's cases through the scoped entry of the cases table, as the API's create does.
        for (const author of authors) {
          const own = rows.filter((row) => row.createdBy === author.id);
          if (own.length > 0) await scopedCases(em, { ...author, role: 'caseworker' }).insertMany(own);
        }
        // One case.create event per case, in order, in one statement (a batch is one request of the seed).
        const ctx: RequestContext = { requestId: `${runId}-${done}`, ip: 'local', actor: null };
        await audit.recordMany(
          em,
          ctx,
          rows.map((row) => ({
            action: 'case.create' as const,
            outcome: 'allowed' as const,
            resourceType: 'case',
            resourceId: row.id,
            details: { idempotentReplay: false },
            actor: { id: row.createdBy, role: 'caseworker' },
          })),
        );
      });
      done = next;
      options.onProgress?.(done);
    }
  } finally {
    await worker.terminate();
  }
  // Statistics for the planner after a bulk load (as after a restore), rather than whenever autovacuum
  // gets to it: with none, the duplicate-hint lookup of a create scans the office's whole index.
  // The runtime role may (MAINTAIN on cases, PostgreSQL 17+); elsewhere PostgreSQL skips it with a warning.
  await dataSource.query('ANALYZE cases');
  const seconds = (performance.now() - started) / 1000;
  return { cases: done, offices: authors.length, seconds, perSecond: done / seconds };
}

/** Buffers come back from the worker as Uint8Arrays (structured clone); the pg driver needs Buffers. */
function withBuffers(row: NewCase): NewCase {
  const b = (u: Uint8Array | null) => (u === null ? null : Buffer.from(u.buffer, u.byteOffset, u.byteLength));
  return {
    ...row,
    wrappedKey: b(row.wrappedKey),
    subjectCt: b(row.subjectCt),
    narrativeCt: b(row.narrativeCt),
  };
}
