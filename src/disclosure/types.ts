/**
 * Shared types of the disclosure-control module. Pure data: no behaviour lives here.
 */

/** A value of one aggregate dimension (a code, a year, or a boolean flag). */
export type DimensionValue = string | number | boolean;

/** A true count from the data. */
export interface RawCount {
  count: number;
}

export interface TableInput {
  /** 0 to 3 dimension names. */
  dimensions: readonly string[];
  /** Per dimension: true if a record can count under several values of it (multi-valued attribute). */
  multiValued: readonly boolean[];
  /**
   * Per dimension, every value a reader knows the dimension can take (the public code list, restricted by the
   * query's filters; for a multi-valued dimension including `notSpecified` if it can occur). The grid of the
   * answer is the product of these lists: every combination absent from `cells` is a true zero, and the
   * reader does not know it is zero (it is unlisted like a small count), so it is protected like one.
   * If omitted (for all dimensions, or `undefined` for one), the values present in the input are taken: the reader
   * is then assumed to know that other values do not occur (so they are not protected; pass the domains).
   */
  domains?: readonly (readonly DimensionValue[] | undefined)[];
  /** The value an empty multi-valued list counts under (default `'notSpecified'`); exclusive of the others. */
  notSpecified?: DimensionValue;
  /** Non-empty cells only (count >= 1); values in dimension order. Absent combinations are known zeros. */
  cells: readonly (RawCount & { values: readonly DimensionValue[] })[];
  /** One list per dimension when dimensions.length >= 2 (else []); each entry a non-empty value of that dimension. */
  margins: readonly (readonly (RawCount & { value: DimensionValue })[])[];
  /** Every record once. */
  total: RawCount;
}

/**
 * What happens to one member (cell, margin entry, total) of the answer:
 * - `released`: listed with a count (the caller adds its noise, and still does not list a noisy count below k);
 * - `suppressed`: true count >= k, withheld by complementary suppression, listed as `{count: null, suppressed: true}`;
 * - `unlisted`: true count below k (zero included): not listed at all.
 */
export type MemberStatus = 'released' | 'suppressed' | 'unlisted';

/**
 * The decision for one member. Deliberately carries no count and no reason: a `unlisted` member of true
 * count 0 and one of true count 1..k-1 give the identical object.
 */
export interface ProtectedCount {
  status: MemberStatus;
  /** true for `suppressed` and `unlisted` (withheld), false for `released`. */
  suppressed: boolean;
}

export interface ProtectedTable {
  /** Same order as `input.cells`. */
  cells: ProtectedCount[];
  /** Same shape as `input.margins`. */
  margins: ProtectedCount[][];
  total: ProtectedCount;
  /**
   * `complementary`: how many members are `suppressed` (all of them listed, so this reveals nothing more).
   * `gridSize`: cells in the answer's grid (product of the domains). Nothing here counts unlisted members.
   */
  summary: { complementary: number; gridSize: number };
}
