/**
 * A bipartite circulation network s → row r → column c → t → s, and which of its edges can change.
 *
 * Each edge carries a flow (a count of the answer, or a latent count) with bounds [lo, hi]. A feasible
 * circulation is a table the reader cannot tell from the true one. An edge's flow can change (by ±1, staying
 * feasible and integral) iff the edge lies on a cycle of the residual graph, iff its endpoints are in the same
 * strongly connected component of the residual graph (forward residual if flow < hi, backward if flow > lo).
 * — except that an edge with residual both ways forms a trivial 2-cycle with itself (+1 then -1), which changes
 * nothing. So: an edge can change iff its endpoints are in the same SCC and the edge is not a bridge of the
 * undirected graph of the residual arcs inside that SCC (if the SCC minus the edge has no directed path between
 * its endpoints in either direction, it falls apart into the two sides of the edge with no arc between them).
 * Networks are totally unimodular, so this is exact over the integers. Computed with Kosaraju's algorithm and
 * Tarjan's bridge search on the implicit dense graph, in O(R·C).
 */

/** Residual bits of one edge. */
export const FWD = 1;
export const BWD = 2;

export const residual = (flow: number, lo: number, hi: number): number =>
  (flow < hi ? FWD : 0) | (flow > lo ? BWD : 0);

export interface Network {
  R: number;
  C: number;
  /** Residual bits of s → r. */
  rowRes: Uint8Array;
  /** Residual bits of r → c, at r·C + c. */
  cellRes: Uint8Array;
  /** Residual bits of c → t. */
  colRes: Uint8Array;
  /** Residual bits of t → s. */
  totRes: number;
}

/** Component id per node: rows 0..R-1, columns R..R+C-1, s = R+C, t = R+C+1. */
export function components(net: Network): Int32Array {
  const { R, C, rowRes, cellRes, colRes, totRes } = net;
  const s = R + C;
  const t = R + C + 1;
  const n = R + C + 2;
  // Neighbour i of node x (or -1 if the i-th candidate is not an edge); degree bound deg(x).
  const deg = (x: number): number => (x < R ? C + 1 : x < s ? R + 1 : x === s ? R + 1 : C + 1);
  const out = (x: number, i: number, transposed: boolean): number => {
    const f = transposed ? BWD : FWD;
    const b = transposed ? FWD : BWD;
    if (x < R) {
      if (i < C) return cellRes[x * C + i] & f ? R + i : -1;
      return rowRes[x] & b ? s : -1;
    }
    if (x < s) {
      const c = x - R;
      if (i < R) return cellRes[i * C + c] & b ? i : -1;
      return colRes[c] & f ? t : -1;
    }
    if (x === s) {
      if (i < R) return rowRes[i] & f ? i : -1;
      return totRes & b ? t : -1;
    }
    if (i < C) return colRes[i] & b ? R + i : -1;
    return totRes & f ? s : -1;
  };
  const visited = new Uint8Array(n);
  const order = new Int32Array(n);
  let orderLen = 0;
  const stack = new Int32Array(n);
  const cursor = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (visited[root]) continue;
    let sp = 0;
    stack[sp++] = root;
    visited[root] = 1;
    cursor[root] = 0;
    while (sp > 0) {
      const x = stack[sp - 1];
      const d = deg(x);
      let pushed = false;
      while (cursor[x] < d) {
        const y = out(x, cursor[x]++, false);
        if (y >= 0 && !visited[y]) {
          visited[y] = 1;
          cursor[y] = 0;
          stack[sp++] = y;
          pushed = true;
          break;
        }
      }
      if (!pushed) {
        order[orderLen++] = x;
        sp--;
      }
    }
  }
  const comp = new Int32Array(n).fill(-1);
  let nComp = 0;
  for (let oi = n - 1; oi >= 0; oi--) {
    const root = order[oi];
    if (comp[root] >= 0) continue;
    let sp = 0;
    stack[sp++] = root;
    comp[root] = nComp;
    cursor[root] = 0;
    while (sp > 0) {
      const x = stack[sp - 1];
      const d = deg(x);
      let pushed = false;
      while (cursor[x] < d) {
        const y = out(x, cursor[x]++, true);
        if (y >= 0 && comp[y] < 0) {
          comp[y] = nComp;
          cursor[y] = 0;
          stack[sp++] = y;
          pushed = true;
          break;
        }
      }
      if (!pushed) sp--;
    }
    nComp++;
  }
  return comp;
}

/**
 * Edge ids: row edge r → r; cell (r, c) → R + r·C + c; column edge c → R + R·C + c; total → R + R·C + C.
 * Returns 1 per edge id that is a bridge of the undirected graph of residual edges whose endpoints share a
 * component (edges between components are not considered and stay 0).
 */
export function bridges(net: Network, comp: Int32Array): Uint8Array {
  const { R, C, rowRes, cellRes, colRes, totRes } = net;
  const s = R + C;
  const t = R + C + 1;
  const n = R + C + 2;
  const nEdges = R + R * C + C + 1;
  const isBridge = new Uint8Array(nEdges);
  const deg = (x: number): number => (x < R ? C + 1 : x < s ? R + 1 : x === s ? R + 1 : C + 1);
  /** The i-th candidate neighbour of x as [neighbour, edge id], neighbour -1 if absent. */
  let edgeId = -1;
  const nb = (x: number, i: number): number => {
    let y: number;
    let res: number;
    if (x < R) {
      if (i < C) [y, res, edgeId] = [R + i, cellRes[x * C + i], R + x * C + i];
      else [y, res, edgeId] = [s, rowRes[x], x];
    } else if (x < s) {
      const c = x - R;
      if (i < R) [y, res, edgeId] = [i, cellRes[i * C + c], R + i * C + c];
      else [y, res, edgeId] = [t, colRes[c], R + R * C + c];
    } else if (x === s) {
      if (i < R) [y, res, edgeId] = [i, rowRes[i], i];
      else [y, res, edgeId] = [t, totRes, R + R * C + C];
    } else if (i < C) [y, res, edgeId] = [R + i, colRes[i], R + R * C + i];
    else [y, res, edgeId] = [s, totRes, R + R * C + C];
    return res !== 0 && comp[y] === comp[x] ? y : -1;
  };
  const disc = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const parentEdge = new Int32Array(n);
  const cursor = new Int32Array(n);
  const stack = new Int32Array(n);
  let time = 0;
  for (let root = 0; root < n; root++) {
    if (disc[root] >= 0) continue;
    let sp = 0;
    stack[sp++] = root;
    disc[root] = low[root] = time++;
    parentEdge[root] = -1;
    cursor[root] = 0;
    while (sp > 0) {
      const x = stack[sp - 1];
      const d = deg(x);
      let pushed = false;
      while (cursor[x] < d) {
        const y = nb(x, cursor[x]++);
        if (y < 0 || edgeId === parentEdge[x]) continue;
        if (disc[y] < 0) {
          disc[y] = low[y] = time++;
          parentEdge[y] = edgeId;
          cursor[y] = 0;
          stack[sp++] = y;
          pushed = true;
          break;
        }
        if (disc[y] < low[x]) low[x] = disc[y];
      }
      if (!pushed) {
        sp--;
        if (sp > 0) {
          const p = stack[sp - 1];
          if (low[x] < low[p]) low[p] = low[x];
          if (low[x] > disc[p]) isBridge[parentEdge[x]] = 1;
        }
      }
    }
  }
  return isBridge;
}
