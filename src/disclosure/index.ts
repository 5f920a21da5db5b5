/**
 * Disclosure control for aggregate answers: primary and complementary suppression on the true counts,
 * then exact discrete Gaussian noise accounted in zCDP, and the listing rule. Plain TypeScript, no
 * framework imports; randomness is consumed through the RandomBits interface only.
 */
export type {
  DimensionValue,
  RawCount,
  TableInput,
  MemberStatus,
  ProtectedCount,
  ProtectedTable,
} from './types.js';
export { protectTable, type ProtectParams } from './protect-table.js';
export { describeDisclosureControl, REFERENCES, type DisclosureDescriptionInput } from './describe.js';
export { closeProtectionPool, DEFAULT_BUDGET_MS, protectTableAsync } from './protect-async.js';
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
export { withholdUniformly } from './uniform-withholding.js';
