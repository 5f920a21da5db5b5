/**
 * Exact test of which unknowns a system of linear equations pins down.
 *
 * Unknown x_s is uniquely determined by A·x = b (A consistent) iff the unit vector e_s lies in the row
 * space of A, iff the reduced row echelon form of A has a row equal to e_s. Otherwise some null-space
 * vector z has z_s != 0 and every x + t·z (t real, small) is also a solution; as every suppressed
 * true count is >= 1 (zeros are never suppressed), x + t·z stays non-negative for small |t|, so x_s
 * ranges over an interval of positive length: the attacker can only bound it.
 *
 * Arithmetic is exact modulo primes p < 2^26 (so products stay below 2^53). Row-space membership
 * over the rationals implies membership mod p unless p divides the denominator of the combination.
 * For tables of <= 2 dimensions the relation matrix is totally unimodular (a bipartite incidence
 * matrix up to row signs), all denominators are ±1 and the test is exact over the rationals. For 3
 * dimensions, an unknown is reported determined if it is determined modulo EITHER of two primes, so a
 * miss would need both primes to divide the same denominator; a false "determined" only costs one
 * extra suppression.
 */
import type { UnknownRow } from './unknown-system.js';

export const PRIMES = [67108859, 67108837] as const;

/**
 * Returns the set of member ids (among those appearing in rows) that the rows determine uniquely.
 * Works connected component by connected component (unknowns linked by a shared row), so the cost is
 * the sum over components of rows² × unknowns.
 */
export function determinedUnknowns(rows: readonly UnknownRow[]): Set<number> {
  const determined = new Set<number>();
  for (const component of components(rows)) {
    const columns = [...new Set(component.flatMap((row) => row.terms.map(([m]) => m)))].sort((a, b) => a - b);
    const columnOf = new Map(columns.map((m, i) => [m, i]));
    for (const p of PRIMES) {
      const flags = determinedModP(component, columnOf, columns.length, p);
      flags.forEach((f, i) => {
        if (f) determined.add(columns[i]);
      });
    }
  }
  return determined;
}

function components(rows: readonly UnknownRow[]): UnknownRow[][] {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    parent.set(x, r);
    return r;
  };
  for (const row of rows) {
    for (const [m] of row.terms) if (!parent.has(m)) parent.set(m, m);
    const first = find(row.terms[0][0]);
    for (const [m] of row.terms) {
      const r = find(m);
      if (r !== first) parent.set(r, first);
    }
  }
  const groups = new Map<number, UnknownRow[]>();
  for (const row of rows) {
    const root = find(row.terms[0][0]);
    const g = groups.get(root) ?? [];
    g.push(row);
    groups.set(root, g);
  }
  return [...groups.values()];
}

/** Gauss–Jordan elimination mod p; flags[c] is true iff column c's RREF row is the unit vector e_c. */
export function determinedModP(
  rows: readonly UnknownRow[],
  columnOf: ReadonlyMap<number, number>,
  nCols: number,
  p: number,
): boolean[] {
  const matrix = rows.map((row) => {
    const a = new Float64Array(nCols);
    for (const [m, coef] of row.terms) {
      const c = columnOf.get(m) ?? -1;
      a[c] = (((a[c] + coef) % p) + p) % p;
    }
    return a;
  });
  const pivotRow = new Int32Array(nCols).fill(-1);
  let r = 0;
  for (let col = 0; col < nCols && r < matrix.length; col++) {
    let piv = r;
    while (piv < matrix.length && matrix[piv][col] === 0) piv++;
    if (piv === matrix.length) continue;
    [matrix[r], matrix[piv]] = [matrix[piv], matrix[r]];
    const pivot = matrix[r];
    const inv = modInverse(pivot[col], p);
    const nonzero: number[] = [];
    for (let j = col; j < nCols; j++) {
      if (pivot[j] !== 0) {
        pivot[j] = (pivot[j] * inv) % p;
        nonzero.push(j);
      }
    }
    for (let i = 0; i < matrix.length; i++) {
      const row = matrix[i];
      const f = row[col];
      if (i === r || f === 0) continue;
      for (const j of nonzero) {
        const y = (row[j] - f * pivot[j]) % p;
        row[j] = y < 0 ? y + p : y;
      }
    }
    pivotRow[col] = r++;
  }
  const flags = new Array<boolean>(nCols).fill(false);
  for (let col = 0; col < nCols; col++) {
    if (pivotRow[col] < 0) continue;
    const row = matrix[pivotRow[col]];
    let unit = true;
    for (let j = col + 1; j < nCols && unit; j++) unit = row[j] === 0;
    flags[col] = unit;
  }
  return flags;
}

/** Inverse of a mod p (p prime, a != 0 mod p) by the extended Euclidean algorithm. */
function modInverse(a: number, p: number): number {
  let [oldR, r] = [a, p];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % p) + p) % p;
}
