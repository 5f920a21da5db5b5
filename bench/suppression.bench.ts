/**
 * Suppression benchmark (issues 8 and 14). Not a test: run `npm run bench:suppression`; results are appended to
 * bench/results/suppression.md with the machine's CPU count and the date.
 *
 * Protects synthetic answers of several shapes (the largest with 50,000+ non-empty cells) with protectTable
 * and reports the time, the number of non-empty cells, the grid size and how many counts were withheld.
 * Pass shape names as arguments to run only some (e.g. `npm run bench:suppression -- 3d-multi-50k`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { protectTraced } from '../src/disclosure/protect-table.js';
import { syntheticTable, type SyntheticSpec } from './synthetic-table.js';

const K = 11;
const SHAPES: Record<string, SyntheticSpec> = {
  '1d': { sizes: [250], multi: -1, records: 100_000, seed: 1 },
  '2d-single': { sizes: [250, 30], multi: -1, records: 100_000, seed: 2 },
  '2d-multi': { sizes: [250, 12], multi: 1, records: 100_000, seed: 3 },
  '3d-single-50k': { sizes: [250, 30, 20], multi: -1, records: 1_000_000, seed: 4 },
  '3d-multi-50k': { sizes: [250, 12, 30], multi: 1, records: 1_000_000, seed: 5 },
  '3d-multi-100k-cases': { sizes: [250, 12, 30], multi: 1, records: 100_000, seed: 6 },
  '2d-single-50k': { sizes: [250, 200], multi: -1, records: 1_000_000, seed: 7 },
  // As on the seeded data: notSpecified unused (every case names a type), years without cases in the domain.
  '3d-multi-empty-slices': {
    sizes: [250, 8, 20],
    multi: 1,
    records: 100_000,
    seed: 5,
    nsShare: 0,
    absentValues: 5,
  },
};

function run(name: string, spec: SyntheticSpec): string {
  const { input } = syntheticTable(spec);
  protectTraced(input, { k: K }); // warm-up (JIT)
  const started = process.hrtime.bigint();
  const { table: out, repaired } = protectTraced(input, { k: K });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const unlisted = out.cells.filter((c) => c.status === 'unlisted').length;
  const suppressed = out.cells.filter((c) => c.status === 'suppressed').length;
  return `| ${name} | ${spec.sizes.join('×')}${spec.multi >= 0 ? ` (dim ${spec.multi} multi)` : ''} | ${spec.records} | ${input.cells.length} | ${out.summary.gridSize} | ${unlisted} | ${suppressed} | ${out.summary.complementary} | ${repaired ? 'yes' : 'no'} | ${ms.toFixed(0)} |`;
}

const wanted = process.argv.slice(2);
const rows = Object.entries(SHAPES)
  .filter(([name]) => wanted.length === 0 || wanted.includes(name))
  .map(([name, spec]) => {
    const row = run(name, spec);
    console.log(row);
    return row;
  });
const report = [
  `## ${new Date().toISOString()} — ${os.cpus().length} CPUs, Node ${process.version}`,
  '',
  `k = ${K}. Time of one protectTable call (after a warm-up call), on the event loop of this process. ` +
    `Load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}. "repaired": the exact ` +
    'check changed the uniform pattern (withheld more).',
  '',
  '| shape | grid | records | non-empty cells | grid cells (kept) | cells < k | cells suppressed | suppressed (all members) | repaired | ms |',
  '| ----- | ---- | ------- | --------------- | ----------------- | --------- | ---------------- | ------------------------ | -------- | -- |',
  ...rows,
  '',
].join('\n');
const file = path.join(process.cwd(), 'bench', 'results', 'suppression.md');
fs.mkdirSync(path.dirname(file), { recursive: true });
if (!fs.existsSync(file))
  fs.writeFileSync(file, '# Suppression benchmark results\n\nProduced by `npm run bench:suppression`.\n\n');
fs.appendFileSync(file, report + '\n');
