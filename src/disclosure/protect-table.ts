/**
 * protectTable: the one entry point that turns true counts into releasable counts.
 */
import { planSuppression } from './complementary.js';
import { perturb, type PerturbationTable } from './perturbation-table.js';
import { buildRelations } from './relations.js';
import type { ProtectedCount, ProtectedTable, TableInput } from './types.js';

/**
 * Protects one answer. Guarantees:
 * - a cell, margin entry or total whose true count is in 1..k-1 is `{count: null, suppressed: true, reason: 'primary'}`;
 * - further members are suppressed ('complementary') until no suppressed member can be recomputed
 *   from the released members through the exact relations of the answer (see planSuppression);
 * - every released count is perturbed on its own with the cell-key method (margins and the total are
 *   NOT sums of perturbed cells), so it is 0 (true zero) or >= k, and within D of the truth;
 * - deterministic, and each member's result is independent of the input order of cells and margins.
 * Throws RangeError if k differs from the perturbation table's k, and DisclosureInputError on
 * malformed or inconsistent input (fail closed).
 */
export function protectTable(
  input: TableInput,
  params: { k: number; ptable: PerturbationTable },
): ProtectedTable {
  const { k, ptable } = params;
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError('k must be an integer >= 1');
  if (ptable.k !== k)
    throw new RangeError(`perturbation table ${ptable.id} is for k=${ptable.k}, not k=${k}`);
  const system = buildRelations(input);
  const plan = planSuppression(system, k);
  const released: ProtectedCount[] = system.members.map((member, i) => {
    const reason = plan.reasons[i];
    return reason === undefined
      ? { count: perturb(ptable, member), suppressed: false }
      : { count: null, suppressed: true, reason };
  });
  return {
    cells: input.cells.map((_, i) => released[i]),
    margins: system.marginIndex.map((list) => list.map((m) => released[m])),
    total: released[system.totalIndex],
    summary: {
      primary: plan.reasons.filter((r) => r === 'primary').length,
      complementary: plan.reasons.filter((r) => r === 'complementary').length,
      relationsChecked: plan.relationsChecked,
    },
  };
}
