/**
 * Synthetic answers for the suppression bench and the scale test: a population of records with skewed
 * (Zipf-like) values, counted the way the aggregate SQL counts (a record once per value combination, an
 * empty multi-valued list under notSpecified, the total once per record).
 */
import type { TableInput } from '../src/disclosure/types.js';

export interface SyntheticSpec {
  /** Domain size per dimension (a multi-valued one includes notSpecified). */
  sizes: number[];
  /** Index of the multi-valued dimension, or -1. */
  multi: number;
  records: number;
  seed: number;
  /** Share of records with an empty multi-valued list (counted under notSpecified); default 0.08. */
  nsShare?: number;
  /** Values in each dimension's domain that no record has (a year without cases); default 0. */
  absentValues?: number;
}

export function syntheticTable(spec: SyntheticSpec): { input: TableInput; truth: { records: number } } {
  let state = spec.seed >>> 0 || 1;
  const rnd = (): number => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  const zipf = (n: number): number => Math.min(n - 1, Math.floor(n * rnd() ** 2.2));
  const D = spec.sizes.length;
  const name = (d: number, v: number): string | number =>
    d === spec.multi && v === spec.sizes[d] - 1
      ? 'notSpecified'
      : d === 1 && d !== spec.multi
        ? 2000 + v
        : `d${d}v${v}`;
  const cells = new Map<string, number>();
  const margins = spec.sizes.map(() => new Map<number, number>());
  for (let r = 0; r < spec.records; r++) {
    const values: number[][] = spec.sizes.map((n, d) => {
      if (d !== spec.multi) return [zipf(n)];
      if (rnd() < (spec.nsShare ?? 0.08)) return [n - 1];
      const set = new Set<number>();
      const size = 1 + Math.floor(rnd() * rnd() * 3);
      while (set.size < size) set.add(zipf(n - 1));
      return [...set];
    });
    let combos: number[][] = [[]];
    for (const list of values) combos = combos.flatMap((p) => list.map((v) => [...p, v]));
    for (const c of combos) {
      const key = c.join(',');
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
    values.forEach((list, d) => list.forEach((v) => margins[d].set(v, (margins[d].get(v) ?? 0) + 1)));
  }
  const input: TableInput = {
    dimensions: spec.sizes.map((_, d) => `dim${d}`),
    multiValued: spec.sizes.map((_, d) => d === spec.multi),
    domains: spec.sizes.map((n, d) => [
      ...Array.from({ length: n }, (_, v) => name(d, v)),
      ...Array.from({ length: spec.absentValues ?? 0 }, (_, v) =>
        d === 1 && d !== spec.multi ? 1900 + v : `absent${d}v${v}`,
      ),
    ]),
    cells: [...cells].map(([key, count]) => ({
      values: key.split(',').map((v, d) => name(d, Number(v))),
      count,
    })),
    margins: D >= 2 ? margins.map((m, d) => [...m].map(([v, count]) => ({ value: name(d, v), count }))) : [],
    total: { count: spec.records },
  };
  return { input, truth: { records: spec.records } };
}
