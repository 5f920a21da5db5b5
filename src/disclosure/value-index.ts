/**
 * The canonical order of dimension values, shared by the model (grid.ts) and the uniform rule
 * (uniform-withholding.ts): values are ordered by their type-tagged text, so that 2018 and '2018' stay distinct
 * and the order never depends on the input's order.
 */
import type { DimensionValue, TableInput } from './types.js';

/** Canonical text of a value: type-tagged so that 2018 and '2018' stay distinct. */
export function valueKey(value: DimensionValue): string {
  return `${typeof value}:${JSON.stringify(value)}`;
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The distinct keys of `keys` in canonical order. */
export function sortedKeys(keys: Iterable<string>): string[] {
  return [...new Set(keys)].sort(byKey);
}

/**
 * The key of every distinct value in `values`, computed once per distinct value (a table repeats each value
 * thousands of times: keying every occurrence was the hot part of large answers).
 */
export function keysOfValues(values: Iterable<DimensionValue>): Map<DimensionValue, string> {
  const keyOf = new Map<DimensionValue, string>();
  for (const value of values) if (!keyOf.has(value)) keyOf.set(value, valueKey(value));
  return keyOf;
}

/**
 * Index of every distinct value in canonical order: values with the same key share an index. Looked up by the
 * value itself (a Map tells 2018 from '2018', as the key does).
 */
export function canonicalIndex(values: Iterable<DimensionValue>): {
  indexOf: Map<DimensionValue, number>;
  size: number;
} {
  const keyOf = keysOfValues(values);
  const keys = sortedKeys(keyOf.values());
  const rank = new Map(keys.map((key, i) => [key, i]));
  const indexOf = new Map<DimensionValue, number>();
  for (const [value, key] of keyOf) indexOf.set(value, rank.get(key)!);
  return { indexOf, size: keys.length };
}

/** Every value of dimension d in a table: its cells' and, with two or more dimensions, its margin's. */
export function* valuesOf(input: TableInput, d: number): Iterable<DimensionValue> {
  for (const cell of input.cells) yield cell.values[d];
  if (input.dimensions.length >= 2) for (const entry of input.margins[d] ?? []) yield entry.value;
}
