/**
 * protectTable: the one entry point that decides, on the true counts, what an answer may list.
 */
import { planSuppression } from './complementary.js';
import { buildModel, RELEASED, SUPPRESSED } from './grid.js';
import type { MemberStatus, ProtectedCount, ProtectedTable, TableInput } from './types.js';

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
 * - further members (never the total) are `suppressed` until every withheld member — unlisted or suppressed —
 *   provably takes at least two values over the tables consistent with what is listed, released counts
 *   taken as exact (certify.ts); the final check is the planner's exit condition;
 * - refuses (DisclosureRefusal) answers it cannot protect: two or more multi-valued dimensions, grids over
 *   MAX_GRID cells, no pattern found, or the deadline passed;
 * - released counts are TRUE counts: the caller adds the noise and lists no noisy count below k;
 * - deterministic, and each member's decision is independent of the input order of cells and margins.
 * Throws RangeError if k < 2, and DisclosureInputError on malformed or inconsistent input (fail closed).
 */
export function protectTable(input: TableInput, params: ProtectParams): ProtectedTable {
  const { k } = params;
  if (!Number.isSafeInteger(k) || k < 2) throw new RangeError('k must be an integer >= 2');
  const model = buildModel(input, k);
  planSuppression(model, params.deadline);
  const of = (id: number): ProtectedCount =>
    model.status[id] === RELEASED
      ? RELEASED_COUNT
      : model.status[id] === SUPPRESSED
        ? SUPPRESSED_COUNT
        : UNLISTED_COUNT;
  let complementary = 0;
  for (let id = 0; id < model.nMembers; id++) if (model.status[id] === SUPPRESSED) complementary++;
  return {
    cells: [...model.cellOfInput].map(of),
    margins: model.marginOfInput.map((ids) => [...ids].map(of)),
    total: of(model.totalId),
    summary: { complementary, gridSize: model.G },
  };
}
