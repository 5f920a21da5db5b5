/**
 * Which withheld members of an answer provably take at least two values over the tables a reader cannot
 * tell from the true one (released counts taken as exact; unlisted members in [0, k-1]; complementarily
 * suppressed members in [k, ∞); every relation of grid.ts).
 *
 * Soundness is what matters: a member is reported free only with a witness, i.e. another feasible table in
 * which it differs. Witnesses come from
 * 1. networks (network.ts): for 1 and 2 single-valued dimensions the answer IS a network and the test is exact;
 *    otherwise a reader who additionally knows some true counts (a stronger reader, whose feasible tables are a
 *    subset of the real reader's) sees a network; a member free for that stronger reader is free for the real one;
 * 2. moves of a few whole records (add and remove records of chosen value combinations), checked exactly
 *    against every bound and relation they touch.
 * A withheld member without a witness is reported not free (it may be free: the planner then suppresses more
 * or refuses, failing closed).
 */
import { coords, INF, lineStats, RELEASED, SUPPRESSED, UNLISTED, type Model } from './grid.js';
import { bridges, BWD, components, FWD, residual, type Network } from './network.js';

export function lowerBound(m: Model, id: number): number {
  const st = m.status[id];
  return st === RELEASED ? m.count[id] : st === SUPPRESSED ? m.k : 0;
}

export function upperBound(m: Model, id: number): number {
  const st = m.status[id];
  return st === RELEASED ? m.count[id] : st === SUPPRESSED ? INF : m.k - 1;
}

/** Residual bits of member id, its bounds further restricted to [lo, hi]. */
function memberRes(m: Model, id: number, lo = 0, hi = INF): number {
  return residual(m.count[id], Math.max(lowerBound(m, id), lo), Math.min(upperBound(m, id), hi));
}

const latent = (flow: number, lo = 0, hi = INF): number => residual(flow, lo, hi);

/** A network together with the member id carried by each edge (-1: latent or fixed). */
interface Mapped extends Network {
  rowMember: Int32Array;
  cellMember: Int32Array;
  colMember: Int32Array;
  totMember: number;
}

function emptyNetwork(R: number, C: number): Mapped {
  return {
    R,
    C,
    rowRes: new Uint8Array(R),
    cellRes: new Uint8Array(R * C),
    colRes: new Uint8Array(C),
    totRes: 0,
    rowMember: new Int32Array(R).fill(-1),
    cellMember: new Int32Array(R * C).fill(-1),
    colMember: new Int32Array(C).fill(-1),
    totMember: -1,
  };
}

/** Start index (coordinate d = 0) of every line along dimension d, in grid order. */
export function lineBases(m: Model, d: number): Int32Array {
  const stride = m.strides[d];
  const size = m.sizes[d];
  const out = new Int32Array(m.G / size);
  let w = 0;
  for (let base = 0; base < m.G; base += stride * size) for (let j = 0; j < stride; j++) out[w++] = base + j;
  return out;
}

/** The networks whose cycles witness freeness, for the shape of m. */
function networks(m: Model): Mapped[] {
  const { D, multi, ns, count, marginOffset, totalId } = m;
  const T = count[totalId];
  const nets: Mapped[] = [];
  if (D === 1 && multi < 0) {
    const n = emptyNetwork(1, m.sizes[0]);
    n.rowRes[0] = memberRes(m, totalId);
    n.rowMember[0] = totalId;
    for (let c = 0; c < m.sizes[0]; c++) {
      n.cellRes[c] = memberRes(m, c);
      n.cellMember[c] = c;
      n.colRes[c] = latent(count[c]);
    }
    n.totRes = latent(T);
    nets.push(n);
    return nets;
  }
  if (D === 2 && multi < 0) {
    const [A, B] = m.sizes;
    const n = emptyNetwork(A, B);
    for (let a = 0; a < A; a++) {
      n.rowRes[a] = memberRes(m, marginOffset[0] + a);
      n.rowMember[a] = marginOffset[0] + a;
    }
    for (let g = 0; g < A * B; g++) {
      n.cellRes[g] = memberRes(m, g);
      n.cellMember[g] = g;
    }
    for (let b = 0; b < B; b++) {
      n.colRes[b] = memberRes(m, marginOffset[1] + b);
      n.colMember[b] = marginOffset[1] + b;
    }
    n.totRes = memberRes(m, totalId);
    n.totMember = totalId;
    nets.push(n);
    return nets;
  }
  if (D === 3 && multi < 0) {
    for (let d = 0; d < 3; d++) {
      // A reader who also knows the true 2-D counts over the other two dimensions.
      const bases = lineBases(m, d);
      const C = m.sizes[d];
      const n = emptyNetwork(bases.length, C);
      bases.forEach((base, w) => {
        for (let v = 0; v < C; v++) {
          const g = base + v * m.strides[d];
          n.cellRes[w * C + v] = memberRes(m, g);
          n.cellMember[w * C + v] = g;
        }
      });
      for (let v = 0; v < C; v++) {
        n.colRes[v] = memberRes(m, marginOffset[d] + v);
        n.colMember[v] = marginOffset[d] + v;
      }
      nets.push(n);
    }
    return nets;
  }
  // One multi-valued dimension.
  const L = lineStats(m);
  const bases = lineBases(m, multi);
  const C = m.sizes[multi];
  const stride = m.strides[multi];
  const lineTotal = (w: number): number =>
    D === 1 ? T : D === 2 ? count[marginOffset[1 - multi] + w] : m.lineTotals[w];
  // A: a reader who also knows each line's total and notSpecified count: the real cells of a line are each at
  // most n_w = N_w - ns_w and sum to at least n_w; the margins of the real values sum the lines.
  {
    const n = emptyNetwork(L.n, C);
    for (let w = 0; w < L.n; w++) {
      const nw = lineTotal(w) - L.nsCount[w];
      n.rowRes[w] = latent(L.sum[w], nw, INF);
      for (let v = 0; v < C; v++) {
        if (v === ns) continue;
        const g = bases[w] + v * stride;
        n.cellRes[w * C + v] = memberRes(m, g, 0, nw);
        n.cellMember[w * C + v] = g;
      }
    }
    let realMarginSum = 0;
    for (let v = 0; v < C; v++) {
      if (v === ns) continue;
      if (D === 1) n.colRes[v] = latent(count[v]);
      else {
        n.colRes[v] = memberRes(m, marginOffset[multi] + v);
        n.colMember[v] = marginOffset[multi] + v;
        realMarginSum += count[marginOffset[multi] + v];
      }
    }
    n.totRes = latent(D === 1 ? L.sum[0] : realMarginSum);
    nets.push(n);
  }
  // B: a reader who also knows every cell: each line total N_w lies in [ns_w + max_w, ns_w + sum_w].
  if (D === 1) {
    const n = emptyNetwork(1, 2);
    n.rowRes[0] = memberRes(m, totalId);
    n.rowMember[0] = totalId;
    if (ns >= 0) {
      n.cellRes[0] = memberRes(m, ns);
      n.cellMember[0] = ns;
      n.colRes[0] = latent(count[ns]);
    }
    n.cellRes[1] = latent(T - L.nsCount[0], L.max[0], L.sum[0]);
    n.colRes[1] = latent(T - L.nsCount[0]);
    n.totRes = latent(T);
    nets.push(n);
    return nets;
  }
  if (D === 2) {
    const s = 1 - multi;
    const n = emptyNetwork(L.n, 1);
    for (let w = 0; w < L.n; w++) {
      const id = marginOffset[s] + w;
      n.rowRes[w] = memberRes(m, id, L.nsCount[w] + L.max[w], L.nsCount[w] + L.sum[w]);
      n.rowMember[w] = id;
      n.cellRes[w] = latent(count[id]);
    }
    n.colRes[0] = latent(T);
    n.totRes = memberRes(m, totalId);
    n.totMember = totalId;
    nets.push(n);
  } else {
    const [e, f] = [0, 1, 2].filter((d) => d !== multi);
    const A = m.sizes[e];
    const B = m.sizes[f];
    const n = emptyNetwork(A, B);
    for (let a = 0; a < A; a++) {
      n.rowRes[a] = memberRes(m, marginOffset[e] + a);
      n.rowMember[a] = marginOffset[e] + a;
    }
    for (let w = 0; w < L.n; w++)
      n.cellRes[w] = latent(m.lineTotals[w], L.nsCount[w] + L.max[w], L.nsCount[w] + L.sum[w]);
    for (let b = 0; b < B; b++) {
      n.colRes[b] = memberRes(m, marginOffset[f] + b);
      n.colMember[b] = marginOffset[f] + b;
    }
    n.totRes = memberRes(m, totalId);
    n.totMember = totalId;
    nets.push(n);
  }
  // C: a reader who also knows the line totals and the real cells: ns_w lies in [N_w - sum_w, N_w - max_w].
  if (ns >= 0) {
    const n = emptyNetwork(L.n, 1);
    let nsSum = 0;
    for (let w = 0; w < L.n; w++) {
      const g = bases[w] + ns * stride;
      const N = lineTotal(w);
      n.rowRes[w] = memberRes(m, g, N - L.sum[w], N - L.max[w]);
      n.rowMember[w] = g;
      n.cellRes[w] = latent(count[g]);
      nsSum += count[g];
    }
    n.colRes[0] = latent(nsSum);
    n.totRes = memberRes(m, marginOffset[multi] + ns);
    n.totMember = marginOffset[multi] + ns;
    nets.push(n);
  }
  return nets;
}

/** Marks in `free` the members that lie on a residual cycle of the network. */
function markNetwork(net: Mapped, free: Uint8Array): void {
  const comp = components(net);
  const bridge = bridges(net, comp);
  const { R, C } = net;
  const s = R + C;
  const t = R + C + 1;
  for (let r = 0; r < R; r++) {
    const id = net.rowMember[r];
    if (id >= 0 && net.rowRes[r] && comp[s] === comp[r] && !bridge[r]) free[id] = 1;
    for (let c = 0; c < C; c++) {
      const e = r * C + c;
      const cid = net.cellMember[e];
      if (cid >= 0 && net.cellRes[e] && comp[r] === comp[R + c] && !bridge[R + e]) free[cid] = 1;
    }
  }
  for (let c = 0; c < C; c++) {
    const id = net.colMember[c];
    if (id >= 0 && net.colRes[c] && comp[R + c] === comp[t] && !bridge[R + R * C + c]) free[id] = 1;
  }
  if (net.totMember >= 0 && net.totRes && comp[t] === comp[s] && !bridge[R + R * C + C])
    free[net.totMember] = 1;
}

/**
 * Per member: 1 if withheld and certified free, else 0. Released members are 0. `known`: members certified
 * free before, under statuses that only had fewer members suppressed (their witnesses still hold).
 * When the total is below k every member is below k (all unlisted), and the empty population and every
 * one-record population are all consistent, so every member takes at least two values (k >= 2).
 */
export function certify(m: Model, known?: Uint8Array): Uint8Array {
  const free = known ? known.slice() : new Uint8Array(m.nMembers);
  if (m.count[m.totalId] < m.k) {
    for (let id = 0; id < m.nMembers; id++) if (m.status[id] !== RELEASED) free[id] = 1;
    return free;
  }
  if (m.D === 0) return free;
  for (const net of networks(m)) markNetwork(net, free);
  const exact = m.D <= 2 && m.multi < 0;
  if (!exact) byMoves(m, free);
  return free;
}

/** Withheld members without a witness. */
export function exposed(m: Model, free: Uint8Array): number[] {
  const out: number[] = [];
  for (let id = 0; id < m.nMembers; id++) if (m.status[id] !== RELEASED && !free[id]) out.push(id);
  return out;
}

// ---- moves of whole records -------------------------------------------------------------------------------

/** A set of records added (+1) or removed (-1), each given by its grid cell (one value per dimension). */
type Move = [sign: 1 | -1, cell: number][];

const canRise = (m: Model, id: number, by = 1): boolean =>
  m.status[id] !== RELEASED && m.count[id] + by <= upperBound(m, id);
const canFall = (m: Model, id: number, by = 1): boolean =>
  m.status[id] !== RELEASED && m.count[id] - by >= lowerBound(m, id);

/** Per model: zeroed buffers for applyMove (a move touches a few dozen members; no Map per move). */
interface Scratch {
  delta: Float64Array;
  mark: Uint8Array;
  lineDelta: Float64Array;
  lineMark: Uint8Array;
}
const scratchOf = new WeakMap<Model, Scratch>();

function scratch(m: Model): Scratch {
  let s = scratchOf.get(m);
  if (!s) {
    const lines = m.lineTotals.length;
    s = {
      delta: new Float64Array(m.nMembers),
      mark: new Uint8Array(m.nMembers),
      lineDelta: new Float64Array(lines),
      lineMark: new Uint8Array(lines),
    };
    scratchOf.set(m, s);
  }
  return s;
}

/**
 * The members (cells, margin entries, total) whose count a move changes; null if it breaks a bound or a
 * relation (every bound of a member it touches, and every line of the multi-valued dimension it touches
 * against its line total: the latent one for D = 3, whose change the move implies).
 */
function applyMove(m: Model, move: Move): number[] | null {
  const { D, strides, sizes, multi } = m;
  const { delta, mark, lineDelta, lineMark } = scratch(m);
  const touched: number[] = [];
  const linesTouched: number[] = [];
  const bump = (id: number, by: number) => {
    if (!mark[id]) {
      mark[id] = 1;
      touched.push(id);
    }
    delta[id] += by;
  };
  const coord = (g: number, d: number) => Math.floor(g / strides[d]) % sizes[d];
  try {
    for (const [sign, g] of move) {
      bump(g, sign);
      if (D >= 2) for (let d = 0; d < D; d++) bump(m.marginOffset[d] + coord(g, d), sign);
      bump(m.totalId, sign);
      if (multi >= 0 && D === 3) {
        const [e, f] = multi === 0 ? [1, 2] : multi === 1 ? [0, 2] : [0, 1];
        const w = coord(g, e) * sizes[f] + coord(g, f);
        if (!lineMark[w]) {
          lineMark[w] = 1;
          linesTouched.push(w);
        }
        lineDelta[w] += sign;
      }
    }
    for (const id of touched) {
      const by = delta[id];
      if (by === 0) continue;
      const v = m.count[id] + by;
      if (v < lowerBound(m, id) || v > upperBound(m, id)) return null;
    }
    if (multi >= 0) {
      // Every line of the multi-valued dimension touched must still fit its line total.
      const stride = strides[multi];
      const bases: number[] = [];
      for (const [, g] of move) {
        const base = g - coord(g, multi) * stride;
        if (!bases.includes(base)) bases.push(base);
      }
      for (const base of bases) {
        let max = 0;
        let sum = 0;
        let nsc = 0;
        for (let v = 0; v < sizes[multi]; v++) {
          const g = base + v * stride;
          const c = m.count[g] + (mark[g] ? delta[g] : 0);
          if (v === m.ns) nsc = c;
          else {
            sum += c;
            max = Math.max(max, c);
          }
        }
        let N: number;
        if (D === 1) N = m.count[m.totalId] + delta[m.totalId];
        else if (D === 2) {
          const id = m.marginOffset[1 - multi] + coord(base, 1 - multi);
          N = m.count[id] + (mark[id] ? delta[id] : 0);
        } else {
          const w = lineOf(m, coords(m, base));
          N = m.lineTotals[w] + (lineMark[w] ? lineDelta[w] : 0);
        }
        if (!(max <= N - nsc && N - nsc <= sum)) return null;
      }
    }
    return touched.filter((id) => delta[id] !== 0);
  } finally {
    for (const id of touched) {
      delta[id] = 0;
      mark[id] = 0;
    }
    for (const w of linesTouched) {
      lineDelta[w] = 0;
      lineMark[w] = 0;
    }
  }
}

/** Line number (as in lineStats) of the line of the multi-valued dimension through coordinates c (D = 3). */
function lineOf(m: Model, c: number[]): number {
  const [e, f] = [0, 1, 2].filter((d) => d !== m.multi);
  return c[e] * m.sizes[f] + c[f];
}

function cellAt(m: Model, c: number[]): number {
  let g = 0;
  c.forEach((v, d) => (g += v * m.strides[d]));
  return g;
}

const TRIES = 4;
/** viaMargin: other values of the dimension, and cells of each, tried per member and direction (the last tier,
 * for a few members only, tries every value and more cells). */
const VIA_VALUES = 8;
const VIA_CELLS = 8;
/** Full checks of 4-cycle moves per plane and direction for one cell (3-D). */
const PLANE_MOVES = 8;

/**
 * Tries record moves for every withheld member not yet certified, and marks every member a successful move
 * changes (each such move is itself a witness for all of them).
 */
function byMoves(m: Model, free: Uint8Array): void {
  const { D } = m;
  // Per slice (d, v): a few present withheld cells that can lose a record, in canonical order.
  const falling: number[][][] = m.sizes.map((n) => Array.from({ length: n }, () => []));
  for (let g = 0; g < m.G; g++) {
    if (!canFall(m, g)) continue;
    const c = coords(m, g);
    for (let d = 0; d < D; d++) {
      const list = falling[d][c[d]];
      if (list.length < TRIES) list.push(g);
    }
  }
  let budget = MOVE_BUDGET;
  const accept = (changed: number[] | null): boolean => {
    budget--;
    if (!changed) return false;
    for (const id of changed) free[id] = 1;
    return true;
  };
  const tryCell = (g: number): boolean => {
    const x = coords(m, g);
    if (D === 1) {
      for (let y = 0; y < m.G; y++) {
        if (y === g) continue;
        if (
          accept(
            applyMove(m, [
              [1, g],
              [-1, y],
            ]),
          ) ||
          accept(
            applyMove(m, [
              [-1, g],
              [1, y],
            ]),
          )
        )
          return true;
      }
      return false;
    }
    if (D === 3 && planeCycle(g)) return true;
    // One record changes its value in one dimension (same line). The bounds of the two cells are checked
    // first (cheap); applyMove then checks every relation.
    const up = canRise(m, g);
    const down = canFall(m, g);
    for (let d = 0; d < D; d++) {
      const start = g - x[d] * m.strides[d];
      for (let v = 0; v < m.sizes[d]; v++) {
        const y = start + v * m.strides[d];
        if (y === g) continue;
        if (
          (up &&
            canFall(m, y) &&
            accept(
              applyMove(m, [
                [1, g],
                [-1, y],
              ]),
            )) ||
          (down &&
            canRise(m, y) &&
            accept(
              applyMove(m, [
                [-1, g],
                [1, y],
              ]),
            ))
        )
          return true;
      }
    }
    if (canRise(m, g)) {
      // + x, - p_d (a record of slice d = x_d), + records rebalancing the other coordinates.
      const choices = x.map((v, d) => falling[d][v].filter((p) => p !== g));
      if (choices.every((list) => list.length > 0)) {
        for (const combo of product(choices)) {
          const p = combo.map((q) => coords(m, q));
          const move: Move = [[1, g], ...combo.map((q): [-1, number] => [-1, q])];
          if (D === 2) move.push([1, cellAt(m, [p[1][0], p[0][1]])]);
          if (D === 3) {
            move.push([1, cellAt(m, [p[1][0], p[0][1], p[0][2]])]);
            move.push([1, cellAt(m, [p[2][0], p[2][1], p[1][2]])]);
          }
          if (accept(applyMove(m, move))) return true;
        }
      }
    }
    if (canFall(m, g) && D >= 2) {
      // - x, + a record elsewhere in each slice, - the rebalancing records (mirror of the above).
      const rising = x.map((v, d) => risingInSlice(m, d, v, g));
      if (rising.every((list) => list.length > 0)) {
        for (const combo of product(rising)) {
          const p = combo.map((q) => coords(m, q));
          const move: Move = [[-1, g], ...combo.map((q): [1, number] => [1, q])];
          if (D === 2) move.push([-1, cellAt(m, [p[1][0], p[0][1]])]);
          if (D === 3) {
            move.push([-1, cellAt(m, [p[1][0], p[0][1], p[0][2]])]);
            move.push([-1, cellAt(m, [p[2][0], p[2][1], p[1][2]])]);
          }
          if (accept(applyMove(m, move))) return true;
        }
      }
    }
    return false;
  };
  /** The cells of the line through g along d (g excluded) that pass `ok`, in canonical order. */
  const alongLine = (g: number, d: number, ok: (y: number) => boolean): number[] => {
    const out: number[] = [];
    const start = g - coords(m, g)[d] * m.strides[d];
    for (let v = 0; v < m.sizes[d]; v++) {
      const y = start + v * m.strides[d];
      if (y !== g && ok(y)) out.push(y);
    }
    return out;
  };
  // 3-D: a 4-cycle of records in one plane (one coordinate fixed): + g, - y1 (other e-value), - y2 (other
  // h-value), + the corner z; or its mirror. Keeps every 1-D margin and the total.
  const planeCycle = (g: number): boolean => {
    for (let f = 0; f < 3; f++) {
      const [e, h] = [0, 1, 2].filter((d) => d !== f);
      for (const [sign, first, corner] of [
        [1, canFall, canRise],
        [-1, canRise, canFall],
      ] as const) {
        if (sign === 1 ? !canRise(m, g) : !canFall(m, g)) continue;
        const ys1 = alongLine(g, e, (y) => first(m, y));
        const ys2 = alongLine(g, h, (y) => first(m, y));
        // The corner is checked first (cheap); at most PLANE_MOVES full checks per plane and direction.
        let full = 0;
        for (const y1 of ys1)
          for (const y2 of ys2) {
            const z = y1 + (coords(m, y2)[h] - coords(m, g)[h]) * m.strides[h];
            if (!corner(m, z)) continue;
            if (++full > PLANE_MOVES) break;
            const move: Move = [
              [sign, g],
              [-sign as 1 | -1, y1],
              [-sign as 1 | -1, y2],
              [sign, z],
            ];
            if (accept(applyMove(m, move))) return true;
          }
      }
    }
    return false;
  };
  const tryMargin = (d: number, a: number): boolean => {
    // Move one record between values a and a2 of dimension d (both margins withheld), everything else kept.
    for (let a2 = 0; a2 < m.sizes[d]; a2++) {
      if (a2 === a) continue;
      const other = m.marginOffset[d] + a2;
      if (m.status[other] === RELEASED) continue;
      for (const q of falling[d][a2]) {
        const c = coords(m, q);
        c[d] = a;
        if (
          accept(
            applyMove(m, [
              [-1, q],
              [1, cellAt(m, c)],
            ]),
          )
        )
          return true;
      }
      for (const q of falling[d][a]) {
        const c = coords(m, q);
        c[d] = a2;
        if (
          accept(
            applyMove(m, [
              [-1, q],
              [1, cellAt(m, c)],
            ]),
          )
        )
          return true;
      }
    }
    return false;
  };
  // A record enters (or leaves) g's slice of dimension d through that slice's withheld margin entry: it comes
  // from (or goes to) a cell q of another value a2 of d whose margin entry is withheld too. For every other
  // dimension e in which q differs from g, either e's margin entries of both values are withheld with room
  // (they absorb the change), or one more record changes its e-value between g's and q's, which keeps e's
  // margin (p -> p', found once per (e, from, to) and reused). Covers zeros in slices with no record at all (a
  // rare citizenship, notSpecified when every case names a type, a year without cases): no cell of such a
  // slice can give way, only its margin can.
  const pairs = new Map<string, [number, number] | null>();
  const shiftPair = (e: number, from: number, to: number, dir: 1 | -1): [number, number] | null => {
    // dir 1: a cell p of value `from` loses a record and p' (value `to`, else the same) gains it; -1: the reverse.
    const key = `${e}:${from}:${to}:${dir}`;
    let found = pairs.get(key);
    if (found !== undefined) return found;
    found = null;
    const delta = (to - from) * m.strides[e];
    const stride = m.strides[e];
    const outer = stride * m.sizes[e];
    let scanned = 0;
    scan: for (let base = from * stride; base < m.G; base += outer)
      for (let j = 0; j < stride; j++) {
        const p = base + j;
        if (++scanned > 4096) break scan;
        if (dir === 1 ? canFall(m, p) && canRise(m, p + delta) : canRise(m, p) && canFall(m, p + delta)) {
          found = [p, p + delta];
          break scan;
        }
      }
    pairs.set(key, found);
    return found;
  };
  const giving = new Map<string, boolean>();
  /** Does slice (e = v) hold a cell that can lose (dir 1) or gain (dir -1) a record? */
  const sliceCanGive = (e: number, v: number, dir: 1 | -1): boolean => {
    const key = `${e}:${v}:${dir}`;
    let can = giving.get(key);
    if (can === undefined) {
      can = false;
      const stride = m.strides[e];
      const outer = stride * m.sizes[e];
      scan: for (let base = v * stride; base < m.G; base += outer)
        for (let j = 0; j < stride; j++)
          if (dir === 1 ? canFall(m, base + j) : canRise(m, base + j)) {
            can = true;
            break scan;
          }
      giving.set(key, can);
    }
    return can;
  };
  const marginCan = (d: number, v: number, dir: 1 | -1): boolean =>
    dir === 1 ? canRise(m, m.marginOffset[d] + v) : canFall(m, m.marginOffset[d] + v);
  const viaMargin = (g: number, wide = false): boolean => {
    const maxValues = wide ? Infinity : VIA_VALUES;
    const maxCells = wide ? 64 : VIA_CELLS;
    if (D < 2) return false;
    const x = coords(m, g);
    for (const dir of [1, -1] as const) {
      const back = -dir as 1 | -1;
      if (dir === 1 ? !canRise(m, g) : !canFall(m, g)) continue;
      for (let d = 0; d < D; d++) {
        if (!marginCan(d, x[d], dir)) continue;
        // A dimension e whose slice at g's value has no cell that can give way allows no shift from it: q must
        // then have g's value of e, or one whose margin entry absorbs the change.
        const fixed: (Uint8Array | null)[] = [];
        for (let e = 0; e < D; e++) {
          if (e === d || sliceCanGive(e, x[e], dir)) {
            fixed.push(null);
            continue;
          }
          const allowed = new Uint8Array(m.sizes[e]);
          allowed[x[e]] = 1;
          if (marginCan(e, x[e], dir))
            for (let u = 0; u < m.sizes[e]; u++) if (marginCan(e, u, back)) allowed[u] = 1;
          fixed.push(allowed);
        }
        let values = 0;
        for (let a2 = 0; a2 < m.sizes[d] && values < maxValues; a2++) {
          if (a2 === x[d] || !marginCan(d, a2, back)) continue;
          values++;
          let tried = 0;
          const stride = m.strides[d];
          const outer = stride * m.sizes[d];
          scan: for (let base = a2 * stride; base < m.G; base += outer)
            for (let j = 0; j < stride; j++) {
              const q = base + j;
              if (dir === 1 ? !canFall(m, q) : !canRise(m, q)) continue;
              if (
                fixed.some(
                  (allowed, e) => allowed !== null && !allowed[Math.floor(q / m.strides[e]) % m.sizes[e]],
                )
              )
                continue;
              if (++tried > maxCells) break scan;
              const move: Move = [
                [dir, g],
                [back, q],
              ];
              let ok = true;
              for (let e = 0; e < D && ok; e++) {
                const ye = Math.floor(q / m.strides[e]) % m.sizes[e];
                if (e === d || ye === x[e] || (marginCan(e, x[e], dir) && marginCan(e, ye, back))) continue;
                // g's value of e gained a record and q's lost one: one record moves from g's value to q's.
                const pair = shiftPair(e, x[e], ye, dir);
                if (pair === null) ok = false;
                else move.push([back, pair[0]], [dir, pair[1]]);
              }
              if (ok && accept(applyMove(m, move))) return true;
            }
        }
      }
    }
    return false;
  };
  // One record more or less (every member it touches withheld, with room).
  const trySingle = (cells: Iterable<number>): boolean => {
    let tries = 0;
    for (const g of cells) {
      if (accept(applyMove(m, [[1, g]])) || accept(applyMove(m, [[-1, g]]))) return true;
      if (++tries > 64) return false;
    }
    return false;
  };
  const pending: number[] = [];
  for (let id = 0; id < m.nMembers && budget > 0; id++) {
    if (m.status[id] === RELEASED || free[id]) continue;
    pending.push(id);
    if (id === m.totalId) trySingle(gridCells(m));
    else if (id < m.G) {
      if (!tryCell(id) && !viaMargin(id)) trySingle([id]);
    } else if (id !== m.totalId && D >= 2) {
      const d = m.marginOffset.findLastIndex((off) => off <= id);
      const a = id - m.marginOffset[d];
      if (!tryMargin(d, a)) trySingle(sliceCells(m, d, a));
    }
  }
  // Last tier, for a few members only: one record changes its values in any dimensions.
  const left = pending.filter((id) => !free[id]);
  if (left.length > 64 || budget <= 0) return;
  const anyFalling: number[] = [];
  const anyRising: number[] = [];
  for (let g = 0; g < m.G && (anyFalling.length < 48 || anyRising.length < 48); g++) {
    if (canFall(m, g) && anyFalling.length < 48) anyFalling.push(g);
    if (canRise(m, g) && anyRising.length < 48) anyRising.push(g);
  }
  for (const id of left) {
    if (free[id] || budget <= 0) continue;
    if (id < m.G && viaMargin(id, true)) continue;
    const cells = id < m.G ? [id] : id === m.totalId ? [] : [...take(sliceCells(m, ...marginOf(m, id)), 48)];
    search: for (const x of cells) {
      for (const y of anyFalling)
        if (
          y !== x &&
          accept(
            applyMove(m, [
              [1, x],
              [-1, y],
            ]),
          )
        )
          break search;
      for (const y of anyRising)
        if (
          y !== x &&
          accept(
            applyMove(m, [
              [-1, x],
              [1, y],
            ]),
          )
        )
          break search;
    }
  }
}

/** At most this many candidate moves are checked per certification (beyond: not free, fail closed). */
const MOVE_BUDGET = 400_000;

function marginOf(m: Model, id: number): [number, number] {
  const d = m.marginOffset.findLastIndex((off) => off <= id);
  return [d, id - m.marginOffset[d]];
}

function* take<T>(items: Iterable<T>, n: number): Iterable<T> {
  if (n <= 0) return;
  for (const x of items) {
    yield x;
    if (--n <= 0) return;
  }
}

function* gridCells(m: Model): Iterable<number> {
  for (let g = 0; g < m.G; g++) yield g;
}

function* sliceCells(m: Model, d: number, v: number): Iterable<number> {
  const stride = m.strides[d];
  const outer = stride * m.sizes[d];
  for (let base = v * stride; base < m.G; base += outer) for (let j = 0; j < stride; j++) yield base + j;
}

/** A few withheld cells of slice (d = v), other than g, that can gain a record. */
function risingInSlice(m: Model, d: number, v: number, g: number): number[] {
  const out: number[] = [];
  const stride = m.strides[d];
  const outer = stride * m.sizes[d];
  for (let base = v * stride; base < m.G && out.length < TRIES; base += outer)
    for (let j = 0; j < stride && out.length < TRIES; j++) {
      const q = base + j;
      if (q !== g && canRise(m, q)) out.push(q);
    }
  return out;
}

function product<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((p) => list.map((x) => [...p, x])), [[]]);
}

export { FWD, BWD, UNLISTED };
