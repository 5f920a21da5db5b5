/**
 * Disclosure control for aggregate answers: primary and exact complementary suppression, and the noise
 * of released counts. Plain TypeScript, no framework imports.
 */
export type {
  DimensionValue,
  RawCount,
  TableInput,
  MemberStatus,
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
export { protectTable, type ProtectParams } from './protect-table.js';
export { describeDisclosureControl } from './describe.js';
export { DisclosureInputError, DisclosureRefusal, type RefusalReason } from './errors.js';
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
