/**
 * The `disclosureControl` field of an aggregate answer: what was applied, citable in a methods section.
 */
import type { PerturbationTable } from './perturbation-table.js';
import type { ProtectedTable } from './types.js';

/**
 * Describes the disclosure control applied to one protected answer. Guarantee: names k, how many
 * counts were withheld by complementary suppression (never how many were small), the perturbation parameters (table id, D, V, js), and states that
 * margins and totals are perturbed independently (no additivity). Contains no counts of the data.
 */
export function describeDisclosureControl(
  table: ProtectedTable,
  params: { k: number; ptable: PerturbationTable },
): Record<string, unknown> {
  const { k, ptable } = params;
  const D = ptable.maxPerturbation;
  const V = ptable.variance;
  return {
    k,
    methods: ['primary suppression', 'complementary suppression', 'cell-key perturbation'],
    complementarySuppressed: table.summary.complementary,
    perturbation: {
      method: 'cell-key (ABS TableBuilder / ONS)',
      tableId: ptable.id,
      maxPerturbation: D,
      variance: V,
      js: ptable.js,
      expectedNoise: 0,
    },
    additivity:
      'Totals and margins are perturbed independently of the cells; cells need not add up to margins or totals.',
    statement:
      `Counts were protected by threshold suppression with k = ${k} (counts from 1 to ${k - 1} withheld), ` +
      `complementary suppression so that no withheld count can be derived from the released cells, margins and total ` +
      `of the same table, and cell-key perturbation (ABS/ONS method; perturbation table ${ptable.id}, ` +
      `maximum perturbation D = ${D}, variance V = ${V}, no perturbed count between 1 and ${ptable.js}, zero mean); ` +
      `the same set of records always receives the same perturbation, and margins and totals are perturbed ` +
      `independently, so cells need not sum to them.`,
  };
}
