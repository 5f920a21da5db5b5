/**
 * Raised when a table handed to the disclosure module is malformed or internally inconsistent
 * (e.g. a margin that does not equal the sum of its cells along a single-valued direction).
 * Disclosure control fails closed: nothing is released from an input it cannot reason about.
 */
export class DisclosureInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DisclosureInputError';
  }
}

/**
 * Why an answer cannot be protected (the caller refuses the query with a 4xx saying to narrow it):
 * - `multiple-multi-valued`: two or more multi-valued dimensions (their record-level relations are not modelled
 *   exactly, see DISCLOSURE.md);
 * - `grid-too-large`: the grid (product of the domains) exceeds the limit the check handles;
 * - `not-protectable`: no suppression pattern was found under which every withheld count stays undetermined;
 * - `time-budget`: the protection did not finish within the query's time budget.
 */
export type RefusalReason = 'multiple-multi-valued' | 'grid-too-large' | 'not-protectable' | 'time-budget';

/** The answer is refused as a whole (fail closed): nothing of it may be released. */
export class DisclosureRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'DisclosureRefusal';
  }
}
