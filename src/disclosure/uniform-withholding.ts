/**
 * Complementary withholding that cannot tell a zero from a small count.
 *
 * An answer lists nothing whose true count is below k, zeros included: an attacker sees "unlisted" for both.
 * But where complementary suppression is applied also speaks: if it were applied only in the lines of the
 * table that hold a small (1..k-1) count, one table would show which rows hold a rare case. And if a line
 * with unlisted parts had nothing withheld, the released whole minus the released parts would give the sum
 * of the unlisted parts — 0 for a line of zeros, 1 for a line with one rare case.
 *
 * So this decides, on the true counts, with two rules applied to every line of the table
 * (a margin entry and the cells that make it up; the total and the entries of one margin; with one dimension,
 * the total and the cells), treating every unlisted combination of the line's domain — absent zeros included
 * — the same way:
 *   1. a line whose whole is released and which has an unlisted part gets a withheld part (≥ k) as well,
 *      so the sum of its unlisted parts is never computable;
 *   2. no line is left with exactly one hidden member (withheld or unlisted) — the classic singleton rule.
 * The cheapest released part is withheld (then the whole, if no part is left), repeated to a fixpoint; the
 * cost of a margin entry is the sum of its listed cells, not its true count, which includes unlisted ones.
 * Every decision depends only on which members are listed and on released counts — never on whether an
 * unlisted count is 0 or small.
 */
import { DisclosureInputError } from './errors.js';
import type { ProtectedCount, ProtectedTable, TableInput } from './types.js';
import { canonicalIndex, valuesOf } from './value-index.js';

const RELEASED: ProtectedCount = { status: 'released', suppressed: false };
const SUPPRESSED: ProtectedCount = { status: 'suppressed', suppressed: true };
const UNLISTED: ProtectedCount = { status: 'unlisted', suppressed: true };

interface Line {
  whole: number;
  parts: number[];
  /** How many combinations the line's parts range over (its domain, zeros included). */
  domain: number;
}

/**
 * Decides, on the TRUE counts, which members an answer withholds: primary (true count below k: never
 * listed) and complementary (the two rules above), from the listing alone: that is what makes the pattern
 * uniform.
 * `domainSizes[d]`: how many values dimension d can take in this query (its code list, or its filter).
 */
export function withholdUniformly(
  input: TableInput,
  k: number,
  domainSizes: readonly number[],
): ProtectedTable {
  const dims = input.dimensions.length;
  validateShape(input);
  const nCells = input.cells.length;
  // Per dimension, the canonical index of every cell's value and of every margin entry's value (values keyed
  // once each, not once per cell: the hot part on large tables).
  const index = input.dimensions.map((_, d) => canonicalIndex(valuesOf(input, d)));
  const cellIdx = index.map(({ indexOf }, d) =>
    Int32Array.from(input.cells, (c) => indexOf.get(c.values[d])!),
  );
  const marginIdx = input.margins.map((list, d) =>
    Int32Array.from(list, (e) => index[d].indexOf.get(e.value)!),
  );
  validateCover(
    cellIdx,
    marginIdx,
    index.map((i) => i.size),
  );
  const counts: number[] = [
    ...input.cells.map((c) => c.count),
    ...input.margins.flatMap((list) => list.map((e) => e.count)),
    input.total.count,
  ];
  const decisions: ProtectedCount[] = counts.map((count) => (count < k ? UNLISTED : RELEASED));
  const marginStart: number[] = [];
  let next = nCells;
  for (const list of input.margins) {
    marginStart.push(next);
    next += list.length;
  }
  const totalIndex = next;
  // Canonical rank of every member among the parts of its lines, for order-independent tie-breaks: a cell by
  // its tuple of value indices, a margin entry by its value's index.
  const rank = new Float64Array(counts.length);
  for (let i = 0; i < nCells; i++) {
    let r = 0;
    for (let d = 0; d < dims; d++) r = r * index[d].size + cellIdx[d][i];
    rank[i] = r;
  }
  marginIdx.forEach((ids, d) => ids.forEach((v, i) => (rank[marginStart[d] + i] = v)));

  // The lines in canonical order: every margin line (dimension by dimension, by value), then the total lines.
  const lines: Line[] = [];
  /** lineOfMargin[d][v]: the line of the margin entry of value index v (-1: none). */
  const lineOfMargin: Int32Array[] = [];
  const totalLine: number[] = [];
  if (dims === 1) {
    lines.push({ whole: totalIndex, parts: input.cells.map((_, i) => i), domain: domainSizes[0] });
  } else if (dims >= 2) {
    for (let d = 0; d < dims; d++) {
      const byValue: number[][] = Array.from({ length: index[d].size }, () => []);
      cellIdx[d].forEach((v, i) => byValue[v].push(i));
      const others = domainSizes.reduce((acc, size, e) => (e === d ? acc : acc * size), 1);
      const entries = [...marginIdx[d].keys()].sort((a, b) => marginIdx[d][a] - marginIdx[d][b]);
      const of = new Int32Array(index[d].size).fill(-1);
      for (const i of entries) {
        of[marginIdx[d][i]] = lines.length;
        lines.push({ whole: marginStart[d] + i, parts: byValue[marginIdx[d][i]], domain: others });
      }
      lineOfMargin.push(of);
    }
    for (let d = 0; d < dims; d++) {
      totalLine.push(lines.length);
      lines.push({
        whole: totalIndex,
        parts: input.margins[d].map((_, i) => marginStart[d] + i),
        domain: domainSizes[d],
      });
    }
  }

  const unlisted = (m: number) => counts[m] < k;
  // The cost of withholding a member, computed only from listed counts: a cell's own count; a margin entry's
  // sum of its listed cells (its true count would include unlisted cells, and so tell 0 from small).
  const cost = [...counts];
  for (const line of lines) {
    if (line.whole !== totalIndex) {
      cost[line.whole] = line.parts.reduce((acc, m) => acc + (unlisted(m) ? 0 : counts[m]), 0);
    }
  }
  const withheld = (m: number) => counts[m] >= k && decisions[m].status === 'suppressed';
  const released = (m: number) => counts[m] >= k && decisions[m].status === 'released';
  // Cheapest first, but a count with slack below (> k) before one of exactly k: a withheld count of exactly k
  // beside unlisted parts that are all zero would be pinned (it can only fall to k), and whether that happens
  // depends on the unlisted parts; preferring slack keeps the exact check (protect-table.ts) from having to
  // repair, so the pattern stays a function of the listing.
  const tier = (m: number) => (cost[m] > k ? 0 : 1); // cost, not the true count: see above
  const smallestReleased = (members: number[]): number => {
    let best = -1;
    for (const m of members) {
      if (!released(m)) continue;
      if (
        best < 0 ||
        tier(m) < tier(best) ||
        (tier(m) === tier(best) && (cost[m] < cost[best] || (cost[m] === cost[best] && rank[m] < rank[best])))
      )
        best = m;
    }
    return best;
  };

  // Per line: listed parts (fixed) and withheld parts (kept up to date as members are withheld).
  const listedParts = lines.map((line) => line.parts.reduce((n, m) => n + (unlisted(m) ? 0 : 1), 0));
  const withheldParts = new Int32Array(lines.length);
  const withholdMember = (m: number) => {
    decisions[m] = SUPPRESSED;
    if (m < nCells) {
      if (dims === 1) withheldParts[0]++;
      else for (let d = 0; d < dims; d++) withheldParts[lineOfMargin[d][cellIdx[d][m]]]++;
    } else if (m < totalIndex) {
      withheldParts[totalLine[marginStart.findLastIndex((start) => start <= m)]]++;
    }
  };

  for (let changed = true; changed;) {
    changed = false;
    lines.forEach((line, l) => {
      const unlistedParts = line.domain - listedParts[l]; // absent zeros included
      const hidden = unlistedParts + withheldParts[l] + (released(line.whole) ? 0 : 1);
      const anyWithheld = withheldParts[l] > 0 || withheld(line.whole);
      const needs = (released(line.whole) && unlistedParts > 0 && !anyWithheld) || hidden === 1;
      if (!needs) return;
      let m = smallestReleased(line.parts);
      if (m < 0 && released(line.whole)) m = line.whole;
      if (m >= 0) {
        withholdMember(m);
        changed = true;
      }
    });
  }

  const cells = decisions.slice(0, nCells);
  const margins = input.margins.map((list, d) =>
    decisions.slice(marginStart[d], marginStart[d] + list.length),
  );
  return {
    cells,
    margins,
    total: decisions[totalIndex],
    summary: {
      complementary: decisions.filter((c, m) => c.suppressed && counts[m] >= k).length,
      gridSize: domainSizes.reduce((a, b) => a * b, 1),
    },
  };
}

/** Fails closed on a malformed table (wrong shapes, non-integer counts). */
function validateShape(input: TableInput): void {
  const dims = input.dimensions.length;
  const ok = (n: number, min: number) => Number.isSafeInteger(n) && n >= min;
  if (dims > 3 || input.multiValued.length !== dims || input.margins.length !== (dims >= 2 ? dims : 0)) {
    throw new DisclosureInputError('malformed table: dimensions, multiValued and margins do not match');
  }
  if (!ok(input.total.count, 0)) throw new DisclosureInputError('total count must be an integer >= 0');
  for (const cell of input.cells) {
    if (cell.values.length !== dims || !ok(cell.count, 1)) {
      throw new DisclosureInputError('cells must match the dimensions and count at least 1');
    }
  }
  for (const list of input.margins)
    for (const e of list) if (!ok(e.count, 1)) throw new DisclosureInputError('margin counts must be >= 1');
}

/** Fails closed on cells under no margin entry. */
function validateCover(
  cellIdx: readonly Int32Array[],
  marginIdx: readonly Int32Array[],
  sizes: readonly number[],
): void {
  marginIdx.forEach((ids, d) => {
    const has = new Uint8Array(sizes[d]);
    for (const v of ids) has[v] = 1;
    for (const v of cellIdx[d])
      if (!has[v]) throw new DisclosureInputError('a cell value has no margin entry');
  });
}
