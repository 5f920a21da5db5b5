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
import type { DimensionValue, ProtectedCount, ProtectedTable, TableInput } from './types.js';

/** Canonical text of a value: type-tagged so that 2018 and '2018' stay distinct. */
const valueKey = (value: DimensionValue): string => `${typeof value}:${JSON.stringify(value)}`;

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
  // valueKey of every cell's value in every dimension, computed once (the hot part on large tables).
  const keys: string[][] = input.dimensions.map((_, d) => input.cells.map((c) => valueKey(c.values[d])));
  validate(input, keys);
  const counts: number[] = [
    ...input.cells.map((c) => c.count),
    ...input.margins.flatMap((list) => list.map((e) => e.count)),
    input.total.count,
  ];
  const decisions: ProtectedCount[] = counts.map((count) => (count < k ? UNLISTED : RELEASED));
  const marginStart: number[] = [];
  let next = input.cells.length;
  for (const list of input.margins) {
    marginStart.push(next);
    next += list.length;
  }
  const totalIndex = next;
  // Canonical name of every member, for order-independent tie-breaks and line order.
  const names: string[] = [
    ...input.cells.map((_, i) => `c:${keys.map((list) => list[i]).join('|')}`),
    ...input.margins.flatMap((list, d) => list.map((e) => `m${d}:${valueKey(e.value)}`)),
    't',
  ];

  const lines: (Line & { name: string })[] = [];
  if (dims === 1) {
    lines.push({
      whole: totalIndex,
      parts: input.cells.map((_, i) => i),
      domain: domainSizes[0],
      name: 't',
    });
  } else if (dims >= 2) {
    for (let d = 0; d < dims; d++) {
      const byValue = new Map<string, number[]>();
      keys[d].forEach((key, i) => {
        const list = byValue.get(key);
        if (list) list.push(i);
        else byValue.set(key, [i]);
      });
      const others = domainSizes.reduce((acc, size, e) => (e === d ? acc : acc * size), 1);
      input.margins[d].forEach((entry, i) => {
        lines.push({
          whole: marginStart[d] + i,
          parts: byValue.get(valueKey(entry.value)) ?? [],
          domain: others,
          name: names[marginStart[d] + i],
        });
      });
      lines.push({
        whole: totalIndex,
        parts: input.margins[d].map((_, i) => marginStart[d] + i),
        domain: domainSizes[d],
        name: `t${d}`,
      });
    }
  }
  lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

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
  const withhold = (m: number) => {
    decisions[m] = SUPPRESSED;
  };
  // Cheapest first, but a count with slack below (> k) before one of exactly k: a withheld count of exactly k
  // beside unlisted parts that are all zero would be pinned (it can only fall to k), and whether that happens
  // depends on the unlisted parts; preferring slack keeps the exact check (protect-table.ts) from having to
  // repair, so the pattern stays a function of the listing.
  const rank = (m: number) => (cost[m] > k ? 0 : 1); // cost, not the true count: see above
  const smallestReleased = (members: number[]): number => {
    let best = -1;
    for (const m of members) {
      if (!released(m)) continue;
      if (
        best < 0 ||
        rank(m) < rank(best) ||
        (rank(m) === rank(best) &&
          (cost[m] < cost[best] || (cost[m] === cost[best] && names[m] < names[best])))
      )
        best = m;
    }
    return best;
  };

  // Per line: listed parts (fixed) and withheld parts (kept up to date as members are withheld).
  const listedParts = lines.map((line) => line.parts.reduce((n, m) => n + (unlisted(m) ? 0 : 1), 0));
  const withheldParts = new Int32Array(lines.length);
  const linesWithPart: number[][] = counts.map(() => []);
  lines.forEach((line, l) => line.parts.forEach((m) => linesWithPart[m].push(l)));
  const withholdMember = (m: number) => {
    withhold(m);
    for (const l of linesWithPart[m]) withheldParts[l]++;
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

  const cells = decisions.slice(0, input.cells.length);
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

/** Fails closed on a malformed table (wrong shapes, non-integer counts, cells under no margin entry). */
function validate(input: TableInput, keys: readonly (readonly string[])[]): void {
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
  input.margins.forEach((list, d) => {
    const values = new Set(list.map((e) => valueKey(e.value)));
    for (const e of list) if (!ok(e.count, 1)) throw new DisclosureInputError('margin counts must be >= 1');
    for (const key of keys[d]) {
      if (!values.has(key)) throw new DisclosureInputError('a cell value has no margin entry');
    }
  });
}
