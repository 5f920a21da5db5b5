/**
 * An independent exact oracle for complementary suppression, for tests only: exhaustive enumeration of
 * populations (multisets of record types) on small grids.
 *
 * A record type gives each single-valued dimension one value and each multi-valued dimension a non-empty set
 * of real values, or {notSpecified}. A population's table counts a record once per value combination it
 * holds (cells), once per value (margins) and once in the total. A population is consistent with an answer
 * iff every released member has its true count, every suppressed member is >= k and every unlisted member
 * (cells over the whole grid, margins over the whole domains, total) is <= k-1. A withheld member is
 * pinned iff all consistent populations give it the same count.
 *
 * Nothing here shares code with src/disclosure.
 */

export interface OracleTable {
  k: number;
  /** Domain size per dimension (values are 0..size-1). */
  sizes: number[];
  /** Per dimension: multi-valued? For a multi-valued dimension, `nsValue` is its notSpecified value or -1. */
  multi: boolean[];
  nsValue: number[];
}

/** A member of the answer: a cell (one value per dimension), a margin entry, or the total. */
export type OracleMember =
  { kind: 'cell'; values: number[] } | { kind: 'margin'; dim: number; value: number } | { kind: 'total' };

export type OracleStatus = 'released' | 'suppressed' | 'unlisted';

/** A record: per dimension the list of its values. */
export type OracleRecord = number[][];

export function memberKey(m: OracleMember): string {
  return m.kind === 'cell' ? `c:${m.values.join(',')}` : m.kind === 'margin' ? `m:${m.dim}:${m.value}` : 't';
}

export function allMembers(t: OracleTable): OracleMember[] {
  const D = t.sizes.length;
  const out: OracleMember[] = [];
  if (D >= 1) for (const values of grid(t.sizes)) out.push({ kind: 'cell', values });
  if (D >= 2)
    t.sizes.forEach((n, dim) => {
      for (let value = 0; value < n; value++) out.push({ kind: 'margin', dim, value });
    });
  out.push({ kind: 'total' });
  return out;
}

function grid(sizes: number[]): number[][] {
  return sizes.reduce<number[][]>(
    (acc, n) => acc.flatMap((p) => Array.from({ length: n }, (_, v) => [...p, v])),
    [[]],
  );
}

function contains(rec: OracleRecord, m: OracleMember): boolean {
  if (m.kind === 'total') return true;
  if (m.kind === 'margin') return rec[m.dim].includes(m.value);
  return m.values.every((v, d) => rec[d].includes(v));
}

export function countOf(records: readonly OracleRecord[], m: OracleMember): number {
  let n = 0;
  for (const r of records) if (contains(r, m)) n++;
  return n;
}

/** Every record type of the table. */
export function recordTypes(t: OracleTable): OracleRecord[] {
  const perDim = t.sizes.map((n, d) => {
    if (!t.multi[d]) return Array.from({ length: n }, (_, v) => [v]);
    const real = Array.from({ length: n }, (_, v) => v).filter((v) => v !== t.nsValue[d]);
    const sets: number[][] = [];
    for (let mask = 1; mask < 1 << real.length; mask++) sets.push(real.filter((_, i) => mask & (1 << i)));
    if (t.nsValue[d] >= 0) sets.push([t.nsValue[d]]);
    return sets;
  });
  return perDim.reduce<OracleRecord[]>((acc, sets) => acc.flatMap((p) => sets.map((s) => [...p, s])), [[]]);
}

/**
 * For each withheld member, the set of counts it takes over all consistent populations (stopping early once
 * every withheld member has two). Returns null if the search exceeded `budget` nodes (inconclusive).
 */
export function feasibleValues(
  t: OracleTable,
  truth: readonly OracleRecord[],
  status: ReadonlyMap<string, OracleStatus>,
  budget = 2_000_000,
): Map<string, Set<number>> | null {
  const members = allMembers(t);
  const types = recordTypes(t);
  const M = members.length;
  const trueCount = members.map((m) => countOf(truth, m));
  const st = members.map((m) => status.get(memberKey(m)) ?? 'unlisted');
  const lo = st.map((s, i) => (s === 'released' ? trueCount[i] : s === 'suppressed' ? t.k : 0));
  const hi = st.map((s, i) => (s === 'released' ? trueCount[i] : s === 'suppressed' ? Infinity : t.k - 1));
  const touches = types.map((ty) => members.flatMap((m, i) => (contains(ty, m) ? [i] : [])));
  // After type index j, member i receives no more records if lastType[i] <= j.
  const lastType = new Array<number>(M).fill(-1);
  touches.forEach((list, j) => list.forEach((i) => (lastType[i] = j)));
  const closesAt: number[][] = types.map(() => []);
  const untouched: number[] = [];
  lastType.forEach((j, i) => (j >= 0 ? closesAt[j].push(i) : untouched.push(i)));
  for (const i of untouched) if (lo[i] > 0) return new Map(); // infeasible (cannot happen for the truth)
  const totalIdx = M - 1;
  const maxRecords = Number.isFinite(hi[totalIdx]) ? hi[totalIdx] : truth.length + 3 * t.k;
  const values = members.map(() => new Set<number>());
  const withheld = st.flatMap((s, i) => (s === 'released' ? [] : [i]));
  let open = withheld.length;
  const cur = new Array<number>(M).fill(0);
  let nodes = 0;
  let aborted = false;
  const record = () => {
    for (const i of withheld) {
      const set = values[i];
      if (set.size < 2) {
        set.add(cur[i]);
        if (set.size === 2) open--;
      }
    }
  };
  const dfs = (j: number, used: number): boolean => {
    if (++nodes > budget) {
      aborted = true;
      return true;
    }
    if (j === types.length) {
      record();
      return open === 0;
    }
    const list = touches[j];
    let c = 0;
    for (;;) {
      // closing check for members whose last type is j, with c records of type j
      let ok = true;
      for (const i of closesAt[j]) if (cur[i] < lo[i] || cur[i] > hi[i]) ok = false;
      if (ok && dfs(j + 1, used + c)) return true;
      if (used + c + 1 > maxRecords) break;
      let over = false;
      for (const i of list) if (++cur[i] > hi[i]) over = true;
      c++;
      if (over) break;
    }
    for (const i of list) cur[i] -= c;
    return false;
  };
  dfs(0, 0);
  if (aborted) return null;
  const out = new Map<string, Set<number>>();
  withheld.forEach((i) => out.set(memberKey(members[i]), values[i]));
  return out;
}
