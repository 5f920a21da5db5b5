/**
 * Disclosure control for aggregate answers: primary and complementary suppression plus cell-key
 * perturbation. Plain TypeScript, no framework imports.
 */
export type {
  DimensionValue,
  RawCount,
  TableInput,
  SuppressionReason,
  ProtectedCount,
  ProtectedTable,
} from './types.js';
export { cellKey } from './cell-key.js';
export {
  buildPerturbationTable,
  perturb,
  type PerturbationTable,
  type PerturbationRow,
} from './perturbation-table.js';
export { protectTable } from './protect-table.js';
export { describeDisclosureControl } from './describe.js';
export { DisclosureInputError } from './errors.js';
export {
  discreteGaussian,
  discreteGaussianPmf,
  halfWidth95,
  sigmaSquared,
  type RandomBits,
  type Rational,
} from './discrete-gaussian.js';
export {
  answerRhoNano,
  decideCharge,
  groupingCosts,
  nanoOf,
  NANO,
  rhoOf,
  sigmaForRho,
  type AccountedDimension,
  type BudgetState,
  type ChargeDecision,
  type GroupingCost,
} from './zcdp.js';
export { listCount, unlistedStatement, type Listed } from './listing.js';
