/**
 * protectTable: the one entry point that decides, on the true counts, what an answer may list.
 *
 * Two steps:
 * 1. uniform withholding (uniform-withholding.ts): primary suppression and a first complementary pattern decided
 *    from the listing alone (which members are below k, and the counts of listed cells), so that a zero and a
 *    small count give the same pattern;
 * 2. the exact check (certify.ts, against every relation of grid.ts, released counts taken as exact): if a
 *    withheld member is pinned, the planner (complementary.ts) suppresses more from that pattern until the check
 *    passes, or the answer is refused. Nothing the check flags is ever released.
 * Step 2 is where the pattern can depend on more than the listing (whether a pattern is pinned depends on the
 * released counts); SUPPRESSION.md measures how often it acts.
 */
import { planSuppression } from './complementary.js';
import { buildModel, RELEASED, SUPPRESSED, valueKey, type Model } from './grid.js';
import type { MemberStatus, ProtectedCount, ProtectedTable, TableInput } from './types.js';
import { withholdUniformly } from './uniform-withholding.js';

export interface ProtectParams {
  /** The contract's threshold (>= 2): counts below k are never listed. */
  k: number;
  /** Epoch milliseconds after which the protection gives up with DisclosureRefusal('time-budget'). */
  deadline?: number;
}

const decision = (status: MemberStatus): ProtectedCount => ({ status, suppressed: status !== 'released' });
const RELEASED_COUNT = decision('released');
const SUPPRESSED_COUNT = decision('suppressed');
const UNLISTED_COUNT = decision('unlisted');

/**
 * Protects one answer. Guarantees:
 * - a member (cell over the whole grid, absent combinations included; margin entry; total) whose true count is
 *   below k — zero included — is `unlisted`; the decision object is the same for 0 and for 1..k-1;
 * - every line (a margin entry and its cells; the total and one margin's entries) whose whole is released and
 *   which has an unlisted part has a withheld part of k or more, and no line has exactly one hidden member
 *   (uniform withholding);
 * - further members are `suppressed` until every withheld member — unlisted or suppressed — provably takes at
 *   least two values over the tables consistent with what is listed, released counts taken as exact
 *   (certify.ts); the final check is the planner's exit condition;
 * - refuses (DisclosureRefusal) answers it cannot protect: two or more multi-valued dimensions, grids over
 *   MAX_GRID cells, no pattern found, or the deadline passed;
 * - released counts are TRUE counts: the caller adds the noise and lists no noisy count below k;
 * - deterministic, and each member's decision is independent of the input order of cells and margins.
 * Throws RangeError if k < 2, and DisclosureInputError on malformed or inconsistent input (fail closed).
 */
export function protectTable(input: TableInput, params: ProtectParams): ProtectedTable {
  return protectTraced(input, params).table;
}

/**
 * protectTable, and whether step 2 changed the uniform pattern (`repaired`): for tests and the benchmark, which
 * measure how often the pattern depends on more than the listing.
 */
export function protectTraced(
  input: TableInput,
  params: ProtectParams,
): { table: ProtectedTable; repaired: boolean } {
  const { k } = params;
  if (!Number.isSafeInteger(k) || k < 2) throw new RangeError('k must be an integer >= 2');
  const model = buildModel(input, k);
  const sizes = domainSizes(input);
  const uniform = withholdUniformly(input, k, sizes);
  startFrom(model, uniform);
  const start = model.status.slice();
  planSuppression(model, params.deadline);
  const repaired = model.status.some((st, id) => st !== start[id]);
  const of = (id: number): ProtectedCount =>
    model.status[id] === RELEASED
      ? RELEASED_COUNT
      : model.status[id] === SUPPRESSED
        ? SUPPRESSED_COUNT
        : UNLISTED_COUNT;
  let complementary = 0;
  for (let id = 0; id < model.nMembers; id++) if (model.status[id] === SUPPRESSED) complementary++;
  const table: ProtectedTable = {
    cells: [...model.cellOfInput].map(of),
    margins: model.marginOfInput.map((ids) => [...ids].map(of)),
    total: of(model.totalId),
    summary: { complementary, gridSize: sizes.reduce((a, b) => a * b, 1) },
  };
  return { table, repaired };
}

/** Per dimension, how many values a reader knows it can take: the given domain, else the values present. */
function domainSizes(input: TableInput): number[] {
  return input.dimensions.map((_, d) => {
    const given = input.domains?.[d];
    if (given) return new Set(given.map(valueKey)).size;
    const present = new Set(input.cells.map((c) => valueKey(c.values[d])));
    for (const e of input.margins[d] ?? []) present.add(valueKey(e.value));
    return present.size;
  });
}

/** The planner starts from the uniform pattern: its complementary suppressions are copied into the model. */
function startFrom(model: Model, uniform: ProtectedTable): void {
  const mark = (id: number, d: ProtectedCount) => {
    if (d.status === 'suppressed') model.status[id] = SUPPRESSED;
  };
  uniform.cells.forEach((d, i) => mark(model.cellOfInput[i], d));
  uniform.margins.forEach((list, dim) => list.forEach((d, i) => mark(model.marginOfInput[dim][i], d)));
  mark(model.totalId, uniform.total);
}
