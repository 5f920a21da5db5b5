/**
 * Shared types of the disclosure-control module. Pure data: no behaviour lives here.
 */

/** A value of one aggregate dimension (a code, a year, or a boolean flag). */
export type DimensionValue = string | number | boolean;

/**
 * A released-or-not count as computed from the data: true count and the sum of the record keys
 * (uint32 each) of the records in it, mod 2^32.
 */
export interface RawCount {
  count: number;
  keySum: number;
}

export interface TableInput {
  /** 0 to 3 dimension names. */
  dimensions: readonly string[];
  /** Per dimension: true if a record can count under several values of it (multi-valued attribute). */
  multiValued: readonly boolean[];
  /** Non-empty cells only (count >= 1); values in dimension order. Absent combinations are known zeros. */
  cells: readonly (RawCount & { values: readonly DimensionValue[] })[];
  /** One list per dimension when dimensions.length >= 2 (else []); each entry a non-empty value of that dimension. */
  margins: readonly (readonly (RawCount & { value: DimensionValue })[])[];
  /** Every record once. */
  total: RawCount;
}

/** Why a count was withheld: its own size ('primary') or to protect another count ('complementary'). */
export type SuppressionReason = 'primary' | 'complementary';

/** A count as released: the perturbed count, or `null` with the reason it was withheld. */
export interface ProtectedCount {
  count: number | null;
  suppressed: boolean;
  reason?: SuppressionReason;
}

export interface ProtectedTable {
  /** Same order as `input.cells`. */
  cells: ProtectedCount[];
  /** Same shape as `input.margins`. */
  margins: ProtectedCount[][];
  total: ProtectedCount;
  summary: { primary: number; complementary: number; relationsChecked: number };
}
