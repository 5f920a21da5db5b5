/**
 * Research deliverables benchmark (issue 14). Not a test: `npm run bench:research`; results are appended to
 * bench/results/research.md with the machine's CPU count and the date.
 *
 * Pure costs added to an answer, on synthetic answers of the contract's shape:
 * 1. signing a release (canonical JSON, two SHA-256, Ed25519) of a 5,000-cell answer (the endpoint's limit);
 * 2. offline verification of the same;
 * 3. the CSV over the full grid: a citizenship × year panel (251 × 20) and a 3-D answer
 *    (citizenship × exploitation type × year: 251 × 8 × 20 grid rows, 2,500 of them listed).
 */
import fs from 'node:fs';
import os from 'node:os';
import { ed25519FromSeed, generateKeyBase64, parseKey } from '../src/crypto/index.js';
import { DIMENSIONS } from '../src/aggregates/dimensions.js';
import { releaseCsv } from '../src/aggregates/release-csv.js';
import { releaseText, signRelease, verifyReleaseJson } from '../src/aggregates/release-manifest.js';

const key = ed25519FromSeed(parseKey('seed', generateKeyBase64()));
const years = Array.from({ length: 20 }, (_, i) => 2003 + i);

function answerOf(dimensions: string[], combos: (string | number)[][]) {
  const cells = combos.map((values, i) => ({
    ...Object.fromEntries(values.map((v, d) => [dimensions[d], v])),
    count: i % 7 === 0 ? null : 11 + (i % 300),
    suppressed: i % 7 === 0,
  }));
  const answer = {
    k: 11,
    cells,
    total: { count: 100000, suppressed: false },
    disclosureControl: { noise: { sigma: 10, halfWidth95: 20 }, statement: 'bench' },
    budget: { charged: 0.01, remaining: 0.3, total: 0.33, periodEnd: '2027-06-30' },
    queryId: '0b7f5c8e-8d4f-4c3b-9a57-5a1f0d6c2e11',
  };
  const facts = {
    queryId: answer.queryId,
    query: { dimensions, filters: { yearOfRegistration: years }, sigma: 10 },
    k: 11,
    mechanism: { sigma: 10 },
    rhoCharged: 0.01,
    dataVersion: '2026-12-01/x',
    dataCountedAt: '2026-12-01T00:00:00.000Z',
    releasedAt: '2026-12-01T00:00:00.000Z',
    service: { name: 'ctr-case-api', version: '0.1.0' },
  };
  return { answer, facts };
}

function time<T>(fn: () => T, runs = 5): { ms: number; result: T } {
  let result = fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6 / runs, result };
}

const countries = DIMENSIONS.citizenship.values as string[];
const panel = answerOf(
  ['citizenship', 'yearOfRegistration'],
  countries.slice(0, 250).flatMap((c) => years.map((y) => [c, y])),
);
const big = answerOf(
  ['citizenship', 'exploitationTypes', 'yearOfRegistration'],
  countries
    .slice(0, 32)
    .flatMap((c) =>
      ['forcedLabour', 'sexualExploitation', 'other', 'notSpecified'].flatMap((e) =>
        years.map((y) => [c, e, y]),
      ),
    )
    .slice(0, 2500),
);

const lines: string[] = [];
for (const [name, { answer, facts }] of [
  ['citizenship × year, 5,000 cells', panel],
  ['citizenship × exploitationTypes × year, 2,500 cells', big],
] as const) {
  const sign = time(() => releaseText({ ...answer, manifest: signRelease(answer, facts, key) }));
  const text = sign.result;
  const verify = time(() => verifyReleaseJson(text, key.publicKeyPem));
  if (!verify.result.ok) throw new Error('verification failed');
  const csv = time(() => releaseCsv(text));
  lines.push(
    `| ${name} | ${(text.length / 1024).toFixed(0)} KiB | ${sign.ms.toFixed(1)} ms | ${verify.ms.toFixed(1)} ms | ` +
      `${csv.result.split('\r\n').length - 1} rows, ${(csv.result.length / 1024).toFixed(0)} KiB | ${csv.ms.toFixed(1)} ms |`,
  );
}

const header =
  `\n## ${new Date().toISOString()} (${os.cpus().length} CPUs, node ${process.version})\n\n` +
  '| answer | JSON | sign | verify | CSV (full grid) | CSV render |\n| --- | --- | --- | --- | --- | --- |\n';
const out = header + lines.join('\n') + '\n';
fs.mkdirSync('bench/results', { recursive: true });
fs.appendFileSync('bench/results/research.md', out);
process.stdout.write(out);
