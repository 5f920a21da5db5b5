/**
 * The dense model of one answer: every member of its grid (cells over the product of the domains, absent
 * combinations included as true zeros), the margin entries (dimensions >= 2) and the total, with the
 * validation that the true counts satisfy every relation that holds for the record semantics.
 *
 * Member ids: cells 0..G-1 (grid index Σ index_d·stride_d), then the margins dimension by dimension (domain
 * order), then the total.
 *
 * Relations (a record counts once per value of a multi-valued dimension; an empty list counts under
 * notSpecified, exclusively; the total counts each record once). Write w for a combination of the
 * single-valued dimensions and N_w for the number of records with it:
 * - single-valued d, D >= 2: margin_d(v) = Σ cells with value v in d, when every other dimension is single-valued;
 *   Σ_v margin_d(v) = total; D = 1: Σ cells = total;
 * - the multi-valued dimension m (at most one is modelled), per w:
 *     max_{v real} cell(w,v) <= N_w - cell(w,notSpecified) <= Σ_{v real} cell(w,v),
 *   where N_w is the total (D = 1), the other dimension's margin (D = 2) or a latent 2-D count (D = 3), and
 *   margin_m(v) = Σ_w cell(w,v). Any integer point satisfying these (and non-negativity) is the table of some
 *   population, so these relations describe exactly what a reader can infer.
 */
import { DisclosureInputError, DisclosureRefusal } from './errors.js';
import type { DimensionValue, TableInput } from './types.js';
import { keysOfValues, sortedKeys, valueKey, valuesOf } from './value-index.js';

export const RELEASED = 0;
export const SUPPRESSED = 1;
export const UNLISTED = 2;
/** Stands for "no upper bound" in integer arithmetic. */
export const INF = 2 ** 40;
/** The largest grid the check handles (a larger answer is refused: narrow the query). */
export const MAX_GRID = 4_000_000;

export interface Model {
  k: number;
  D: number;
  sizes: number[];
  strides: number[];
  /** Number of grid cells (0 when D = 0). */
  G: number;
  /** Index of the multi-valued dimension, or -1. */
  multi: number;
  /** Index of notSpecified in the multi-valued dimension's domain, or -1. */
  ns: number;
  marginOffset: number[];
  totalId: number;
  nMembers: number;
  count: Float64Array;
  status: Uint8Array;
  /** Canonical key per member, for deterministic tie-breaks (domain order is canonical, so ids are too). */
  cellOfInput: Int32Array;
  marginOfInput: Int32Array[];
  /**
   * D = 3 with a multi-valued dimension: one feasible choice of the latent N_w (indexed by the grid over the two
   * single-valued dimensions, first varying slowest). Empty otherwise.
   */
  lineTotals: Float64Array;
}

export { valueKey };

/** Builds the model; statuses are all RELEASED except counts below k (UNLISTED). */
export function buildModel(input: TableInput, k: number): Model {
  const D = input.dimensions.length;
  if (D > 3) throw new DisclosureInputError('at most 3 dimensions');
  if (input.multiValued.length !== D) throw new DisclosureInputError('multiValued must match dimensions');
  if (input.margins.length !== (D >= 2 ? D : 0)) {
    throw new DisclosureInputError('margins: one list per dimension when there are 2 or more dimensions');
  }
  if (input.domains !== undefined && input.domains.length !== D)
    throw new DisclosureInputError('domains must match dimensions');
  const multis = input.multiValued.flatMap((m, d) => (m ? [d] : []));
  if (multis.length > 1) {
    throw new DisclosureRefusal(
      'multiple-multi-valued',
      'at most one multi-valued dimension per query can be protected exactly',
    );
  }
  const multi = multis.length === 1 ? multis[0] : -1;
  for (const cell of input.cells) {
    if (cell.values.length !== D) throw new DisclosureInputError('cell values must match dimensions');
    if (!isCount(cell.count, 1)) throw new DisclosureInputError('cell counts must be integers >= 1');
  }
  for (const list of input.margins)
    for (const e of list)
      if (!isCount(e.count, 1)) throw new DisclosureInputError('margin counts must be integers >= 1');
  if (!isCount(input.total.count, 0)) throw new DisclosureInputError('total count must be an integer >= 0');

  // Domains: given, or the values present; in canonical order. Each distinct value is keyed once.
  const index: Map<string, number>[] = [];
  const indexOfValue: Map<DimensionValue, number>[] = [];
  const sizes: number[] = [];
  for (let d = 0; d < D; d++) {
    const keyOf = keysOfValues(valuesOf(input, d));
    const keys = new Set(keyOf.values());
    const given = input.domains?.[d];
    if (given) {
      const domain = new Set(given.map(valueKey));
      for (const key of keys)
        if (!domain.has(key))
          throw new DisclosureInputError(`a value is not in the domain of dimension ${d}`);
      // Values absent from the data altogether are interchangeable (all their members are zeros, unlisted):
      // keeping two of them is sound (a reader who knew the others were zero is stronger; a witness found for a
      // kept one maps to any other by symmetry) and keeps the grid to the data's size. notSpecified is kept.
      const nsKey = valueKey(input.notSpecified ?? 'notSpecified');
      const absent = sortedKeys([...domain].filter((key) => !keys.has(key)));
      if (input.multiValued[d] && absent.includes(nsKey)) keys.add(nsKey);
      for (const key of absent.filter((key) => key !== nsKey || !input.multiValued[d]).slice(0, 2))
        keys.add(key);
    }
    const sorted = sortedKeys(keys);
    const rank = new Map(sorted.map((key, i) => [key, i]));
    index.push(rank);
    indexOfValue.push(new Map([...keyOf].map(([value, key]) => [value, rank.get(key)!])));
    sizes.push(sorted.length);
  }
  const ns = multi >= 0 ? (index[multi].get(valueKey(input.notSpecified ?? 'notSpecified')) ?? -1) : -1;
  const strides = new Array<number>(D);
  let G = D === 0 ? 0 : 1;
  for (let d = D - 1; d >= 0; d--) {
    strides[d] = G;
    G *= sizes[d];
  }
  if (G > MAX_GRID) {
    throw new DisclosureRefusal('grid-too-large', `the answer's grid has ${G} cells (at most ${MAX_GRID})`);
  }
  const marginOffset: number[] = [];
  let next = G;
  if (D >= 2)
    for (let d = 0; d < D; d++) {
      marginOffset.push(next);
      next += sizes[d];
    }
  const totalId = next;
  const nMembers = totalId + 1;
  const count = new Float64Array(nMembers);
  const lookup = (d: number, v: DimensionValue): number => {
    const i = indexOfValue[d].get(v) ?? index[d].get(valueKey(v));
    if (i === undefined) throw new DisclosureInputError(`a value is not in the domain of dimension ${d}`);
    return i;
  };
  const cellOfInput = new Int32Array(input.cells.length);
  input.cells.forEach((cell, i) => {
    let g = 0;
    cell.values.forEach((v, d) => (g += lookup(d, v) * strides[d]));
    if (count[g] !== 0) throw new DisclosureInputError('duplicate cell');
    count[g] = cell.count;
    cellOfInput[i] = g;
  });
  const marginOfInput = input.margins.map((list, d) => {
    const ids = new Int32Array(list.length);
    list.forEach((e, i) => {
      const id = marginOffset[d] + lookup(d, e.value);
      if (count[id] !== 0) throw new DisclosureInputError(`duplicate margin value in dimension ${d}`);
      count[id] = e.count;
      ids[i] = id;
    });
    return ids;
  });
  count[totalId] = input.total.count;
  const status = new Uint8Array(nMembers);
  for (let id = 0; id < nMembers; id++) if (count[id] < k) status[id] = UNLISTED;
  const model: Model = {
    k,
    D,
    sizes,
    strides,
    G,
    multi,
    ns,
    marginOffset,
    totalId,
    nMembers,
    count,
    status,
    cellOfInput,
    marginOfInput,
    lineTotals: new Float64Array(0),
  };
  validateRelations(model);
  return model;
}

function isCount(n: number, min: number): boolean {
  return Number.isSafeInteger(n) && n >= min;
}

/** Coordinates of grid cell g. */
export function coords(m: Model, g: number): number[] {
  return m.strides.map((s, d) => Math.floor(g / s) % m.sizes[d]);
}

/** Sum of the cells of slice (d = v). */
function sliceSum(m: Model, d: number, v: number): number {
  let sum = 0;
  forEachInSlice(m, d, v, (g) => (sum += m.count[g]));
  return sum;
}

/** Calls f for every grid cell whose coordinate d is v. */
export function forEachInSlice(m: Model, d: number, v: number, f: (g: number) => void): void {
  const stride = m.strides[d];
  const outer = stride * m.sizes[d];
  for (let base = v * stride; base < m.G; base += outer) for (let j = 0; j < stride; j++) f(base + j);
}

/**
 * The lines of the multi-valued dimension: for each combination w of the other dimensions, the grid cells
 * of its real values and of notSpecified. `w` is numbered by the cell index with coordinate `multi` = 0.
 */
export function lineStats(m: Model): {
  n: number;
  lineBase: Int32Array;
  max: Float64Array;
  sum: Float64Array;
  nsCount: Float64Array;
} {
  const d = m.multi;
  const stride = m.strides[d];
  const size = m.sizes[d];
  const n = m.G / size;
  const lineBase = new Int32Array(n);
  const max = new Float64Array(n);
  const sum = new Float64Array(n);
  const nsCount = new Float64Array(n);
  let w = 0;
  for (let base = 0; base < m.G; base += stride * size) {
    for (let j = 0; j < stride; j++, w++) {
      const start = base + j;
      lineBase[w] = start;
      for (let v = 0; v < size; v++) {
        const c = m.count[start + v * stride];
        if (v === m.ns) nsCount[w] = c;
        else {
          sum[w] += c;
          if (c > max[w]) max[w] = c;
        }
      }
    }
  }
  return { n, lineBase, max, sum, nsCount };
}

function validateRelations(m: Model): void {
  const fail = (what: string) => {
    throw new DisclosureInputError(`inconsistent table: ${what}`);
  };
  const T = m.count[m.totalId];
  if (m.D === 0) return;
  if (m.D === 1) {
    if (m.multi < 0) {
      if (sliceSumAll(m) !== T) fail('the cells do not sum to the total');
      return;
    }
    const L = lineStats(m);
    const n = T - L.nsCount[0];
    if (!(L.max[0] <= n && n <= L.sum[0])) fail('the multi-valued cells do not fit the total');
    return;
  }
  for (let d = 0; d < m.D; d++) {
    let marginSum = 0;
    for (let v = 0; v < m.sizes[d]; v++) {
      const margin = m.count[m.marginOffset[d] + v];
      marginSum += margin;
      if (m.multi < 0 || m.multi === d) {
        if (sliceSum(m, d, v) !== margin) fail(`margin ${d}:${v} is not the sum of its cells`);
      }
    }
    if (d !== m.multi && marginSum !== T) fail(`the margins of dimension ${d} do not sum to the total`);
  }
  if (m.multi < 0) return;
  const L = lineStats(m);
  if (m.D === 2) {
    const s = 1 - m.multi;
    for (let w = 0; w < L.n; w++) {
      const nw = m.count[m.marginOffset[s] + w] - L.nsCount[w];
      if (!(L.max[w] <= nw && nw <= L.sum[w]))
        fail('a line of the multi-valued dimension does not fit its margin');
    }
    return;
  }
  m.lineTotals = feasibleLineTotals(m, L);
}

function sliceSumAll(m: Model): number {
  let sum = 0;
  for (let g = 0; g < m.G; g++) sum += m.count[g];
  return sum;
}

/**
 * D = 3 with one multi-valued dimension: finds latent N_w (w over the two single-valued dimensions e < f) with
 * row sums margin_e, column sums margin_f and N_w in [ns_w + max_w, ns_w + sum_w], by a max-flow; throws if
 * none exists (the input is then inconsistent).
 *
 * Any feasible choice is a table consistent with the listing, so any serves as the starting table of the
 * witnesses (certify.ts). An interior one serves far better: a line at ns_w + max_w lets no record without the
 * line's most frequent value leave, one at ns_w + sum_w lets no record lose a value. So the bounds are first
 * narrowed towards the middle of each line's range (by a half, a third, ..., one), and the first narrowing
 * that is still feasible is taken; the plain bounds last.
 */
function feasibleLineTotals(m: Model, L: ReturnType<typeof lineStats>): Float64Array {
  const [e, f] = [0, 1, 2].filter((d) => d !== m.multi);
  const A = m.sizes[e];
  const B = m.sizes[f];
  const lo = new Float64Array(A * B);
  const hi = new Float64Array(A * B);
  // Line w (numbered as in lineStats) ↔ (a, b): lineStats numbers lines in grid order with the multi coordinate removed.
  const abOf = new Int32Array(L.n);
  for (let w = 0; w < L.n; w++) {
    const c = coords(m, L.lineBase[w]);
    const ab = c[e] * B + c[f];
    abOf[w] = ab;
    lo[ab] = L.nsCount[w] + L.max[w];
    hi[ab] = L.nsCount[w] + L.sum[w];
  }
  const rows = new Float64Array(A);
  const cols = new Float64Array(B);
  for (let a = 0; a < A; a++) rows[a] = m.count[m.marginOffset[e] + a];
  for (let b = 0; b < B; b++) cols[b] = m.count[m.marginOffset[f] + b];
  for (const shrink of [
    (w: number) => Math.floor(w / 2),
    (w: number) => Math.floor(w / 3),
    (w: number) => Math.floor(w / 4),
    (w: number) => Math.floor(w / 8),
    (w: number) => Math.min(1, Math.floor(w / 2)),
    () => 0,
  ]) {
    const lo2 = new Float64Array(A * B);
    const hi2 = new Float64Array(A * B);
    for (let ab = 0; ab < A * B; ab++) {
      const width = hi[ab] - lo[ab];
      const inner = shrink(width);
      lo2[ab] = lo[ab] + Math.ceil(inner / 2);
      hi2[ab] = hi[ab] - Math.floor(inner / 2);
    }
    const found = transportation(A, B, rows, cols, lo2, hi2);
    if (found === null) continue;
    const N = new Float64Array(L.n);
    for (let w = 0; w < L.n; w++) N[w] = found[abOf[w]];
    return N;
  }
  throw new DisclosureInputError('inconsistent table: no line totals fit the margins');
}

/** An A×B table with row sums `rows`, column sums `cols` and each entry in [lo, hi]; null if there is none. */
function transportation(
  A: number,
  B: number,
  rows: Float64Array,
  cols: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
): Float64Array | null {
  const rowNeed = rows.slice();
  const colNeed = cols.slice();
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++) {
      rowNeed[a] -= lo[a * B + b];
      colNeed[b] -= lo[a * B + b];
    }
  if (rowNeed.some((x) => x < 0) || colNeed.some((x) => x < 0)) return null;
  const need = rowNeed.reduce((x, y) => x + y, 0);
  if (colNeed.reduce((x, y) => x + y, 0) !== need) return null;
  const flow = bipartiteMaxFlow(A, B, rowNeed, colNeed, (a, b) => hi[a * B + b] - lo[a * B + b]);
  if (flow.value !== need) return null;
  const out = new Float64Array(A * B);
  for (let ab = 0; ab < A * B; ab++) out[ab] = lo[ab] + flow.edge[ab];
  return out;
}

/** Dinic's max-flow from rows (supply rowCap) to columns (demand colCap) over edges with capacity cap(a,b). */
function bipartiteMaxFlow(
  A: number,
  B: number,
  rowCap: Float64Array,
  colCap: Float64Array,
  cap: (a: number, b: number) => number,
): { value: number; edge: Float64Array } {
  // Nodes: source 0, rows 1..A, cols A+1..A+B, sink A+B+1. Edge lists with reverse pairs.
  const S = 0;
  const T = A + B + 1;
  const nNodes = A + B + 2;
  const to: number[] = [];
  const capa: number[] = [];
  const head = new Int32Array(nNodes).fill(-1);
  const nextE: number[] = [];
  const add = (u: number, v: number, c: number): number => {
    to.push(v, u);
    capa.push(c, 0);
    nextE.push(head[u], head[v]);
    head[u] = to.length - 2;
    head[v] = to.length - 1;
    return to.length - 2;
  };
  for (let a = 0; a < A; a++) if (rowCap[a] > 0) add(S, 1 + a, rowCap[a]);
  for (let b = 0; b < B; b++) if (colCap[b] > 0) add(1 + A + b, T, colCap[b]);
  const cellEdge = new Int32Array(A * B).fill(-1);
  for (let a = 0; a < A; a++)
    for (let b = 0; b < B; b++) {
      const c = cap(a, b);
      if (c > 0 && rowCap[a] > 0 && colCap[b] > 0) cellEdge[a * B + b] = add(1 + a, 1 + A + b, c);
    }
  const level = new Int32Array(nNodes);
  const it = new Int32Array(nNodes);
  let value = 0;
  const bfs = (): boolean => {
    level.fill(-1);
    level[S] = 0;
    const queue = [S];
    for (let qi = 0; qi < queue.length; qi++) {
      const u = queue[qi];
      for (let e = head[u]; e >= 0; e = nextE[e])
        if (capa[e] > 0 && level[to[e]] < 0) {
          level[to[e]] = level[u] + 1;
          queue.push(to[e]);
        }
    }
    return level[T] >= 0;
  };
  const dfs = (u: number, pushed: number): number => {
    if (u === T) return pushed;
    for (; it[u] >= 0; it[u] = nextE[it[u]]) {
      const e = it[u];
      const v = to[e];
      if (capa[e] > 0 && level[v] === level[u] + 1) {
        const got = dfs(v, Math.min(pushed, capa[e]));
        if (got > 0) {
          capa[e] -= got;
          capa[e ^ 1] += got;
          return got;
        }
      }
    }
    return 0;
  };
  while (bfs()) {
    for (let u = 0; u < nNodes; u++) it[u] = head[u];
    for (let got = dfs(S, INF); got > 0; got = dfs(S, INF)) value += got;
  }
  const edge = new Float64Array(A * B);
  for (let ab = 0; ab < A * B; ab++) if (cellEdge[ab] >= 0) edge[ab] = capa[cellEdge[ab] ^ 1];
  return { value, edge };
}
