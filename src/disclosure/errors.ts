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
