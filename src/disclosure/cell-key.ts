/**
 * Cell keys for cell-key perturbation (ABS TableBuilder / ONS).
 *
 * Every record carries a permanent uniform uint32 record key; the cell key of a count is the sum of
 * the record keys of the records in it, mod 2^32, scaled to [0, 1). It depends only on WHICH records
 * are counted, so the same record set always gets the same key (and the same noise).
 */

/** 2^32, the modulus of record-key sums. */
export const KEY_MODULUS = 4294967296;

/**
 * Reduces a record-key sum mod 2^32 exactly (keySum may be any safe integer, e.g. a SQL
 * `sum(record_key)` over millions of rows; negative values are reduced to the non-negative residue).
 * Guarantee: the result is an integer in [0, 2^32). Throws RangeError for non-integers and for
 * magnitudes beyond 2^53, whose low 32 bits a JavaScript number can no longer represent exactly
 * (reduce mod 2^32 in SQL in that case).
 */
export function reduceKeySum(keySum: number): number {
  if (!Number.isSafeInteger(keySum)) {
    throw new RangeError(`keySum must be a safe integer, got ${String(keySum)}`);
  }
  return Number(((BigInt(keySum) % 4294967296n) + 4294967296n) % 4294967296n);
}

/**
 * The cell key (keySum mod 2^32) / 2^32. Guarantee: exactly representable, in [0, 1), and a pure
 * function of keySum mod 2^32.
 */
export function cellKey(keySum: number): number {
  return reduceKeySum(keySum) / KEY_MODULUS;
}
