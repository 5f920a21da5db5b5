/**
 * The linear relations that hold EXACTLY between the counts of one answer (cells, margins, total),
 * and the validation that the input really satisfies them.
 *
 * Members are numbered: cells 0..C-1 (input order), then margin entries (dimension by dimension,
 * input order), then the total. A relation states Σ parts = whole.
 *
 * Which relations hold (a record counts once per value of a multi-valued dimension):
 * (a) dims >= 2: for each dimension d whose OTHER dimensions are all single-valued, and each margin
 *     value v of d: Σ cells with values[d] = v = margin_d(v);
 * (b) dims >= 2: for each single-valued dimension d: Σ margin_d = total;
 *     dims = 1 and single-valued: Σ cells = total;
 * (c) dims = 0: no relation (only the total is released).
 * Sums along a multi-valued direction over-count records and are not equalities, so they are not used.
 */
import { DisclosureInputError } from './errors.js';
import type { DimensionValue, TableInput } from './types.js';

export interface Member {
  count: number;
  keySum: number;
  /** Canonical, input-order-independent key used to break ties deterministically. */
  sortKey: string;
}

export interface Relation {
  /** Canonical, input-order-independent name; relations are listed in this order. */
  key: string;
  whole: number;
  parts: readonly number[];
}

export interface RelationSystem {
  members: readonly Member[];
  relations: readonly Relation[];
  /** marginIndex[d][i]: member index of input.margins[d][i]. */
  marginIndex: readonly (readonly number[])[];
  totalIndex: number;
}

/** Canonical text of a value: type-tagged so that 2018 and '2018' stay distinct. */
export function valueKey(value: DimensionValue): string {
  return `${typeof value}:${JSON.stringify(value)}`;
}

/**
 * Builds the members and relations of a table. Throws DisclosureInputError if the table is malformed
 * (wrong shapes, non-integer or out-of-range counts, duplicate cells or margin values) or if a relation
 * above does not hold for the true counts — disclosure control fails closed on inconsistent input.
 */
export function buildRelations(input: TableInput): RelationSystem {
  validateShape(input);
  const dims = input.dimensions.length;
  const members: Member[] = [];
  const cellKeys = new Set<string>();
  for (const cell of input.cells) {
    const key = `0|${cell.values.map(valueKey).join(',')}`;
    if (cellKeys.has(key)) throw new DisclosureInputError(`duplicate cell ${key}`);
    cellKeys.add(key);
    members.push({ count: cell.count, keySum: cell.keySum, sortKey: key });
  }
  const marginIndex: number[][] = [];
  const marginByValue: Map<string, number>[] = [];
  input.margins.forEach((list, d) => {
    const byValue = new Map<string, number>();
    marginIndex.push(
      list.map((entry) => {
        const vk = valueKey(entry.value);
        if (byValue.has(vk)) throw new DisclosureInputError(`duplicate margin value ${vk} in dimension ${d}`);
        byValue.set(vk, members.length);
        members.push({ count: entry.count, keySum: entry.keySum, sortKey: `1|${d}|${vk}` });
        return members.length - 1;
      }),
    );
    marginByValue.push(byValue);
  });
  const totalIndex = members.length;
  members.push({ count: input.total.count, keySum: input.total.keySum, sortKey: '2|' });

  const relations: Relation[] = [];
  const singleValued = input.multiValued.map((mv) => !mv);
  if (dims >= 2) {
    const partsByMargin = new Map<number, number[]>();
    input.cells.forEach((cell, c) => {
      cell.values.forEach((v, d) => {
        const m = marginByValue[d].get(valueKey(v));
        if (m === undefined) throw new DisclosureInputError(`cell value ${valueKey(v)} has no margin entry`);
        const parts = partsByMargin.get(m) ?? [];
        parts.push(c);
        partsByMargin.set(m, parts);
      });
    });
    for (let d = 0; d < dims; d++) {
      const othersSingle = singleValued.every((s, e) => e === d || s);
      if (othersSingle) {
        for (const m of marginIndex[d])
          relations.push({ key: `a|${members[m].sortKey}`, whole: m, parts: partsByMargin.get(m) ?? [] });
      }
      if (singleValued[d]) relations.push({ key: `b|${d}`, whole: totalIndex, parts: marginIndex[d] });
    }
  } else if (dims === 1 && singleValued[0]) {
    relations.push({ key: 'b|0', whole: totalIndex, parts: input.cells.map((_, c) => c) });
  }
  for (const r of relations) {
    const sum = r.parts.reduce((acc, p) => acc + members[p].count, 0);
    if (sum !== members[r.whole].count) {
      throw new DisclosureInputError(
        `inconsistent table: ${members[r.whole].sortKey} is ${members[r.whole].count} but its parts sum to ${sum}`,
      );
    }
  }
  relations.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return { members, relations, marginIndex, totalIndex };
}

function isCount(n: number, min: number): boolean {
  return Number.isSafeInteger(n) && n >= min;
}

function validateShape(input: TableInput): void {
  const dims = input.dimensions.length;
  if (dims > 3) throw new DisclosureInputError('at most 3 dimensions');
  if (input.multiValued.length !== dims) throw new DisclosureInputError('multiValued must match dimensions');
  if (input.margins.length !== (dims >= 2 ? dims : 0)) {
    throw new DisclosureInputError('margins: one list per dimension when there are 2 or more dimensions');
  }
  for (const cell of input.cells) {
    if (cell.values.length !== dims) throw new DisclosureInputError('cell values must match dimensions');
    if (!isCount(cell.count, 1)) throw new DisclosureInputError('cell counts must be integers >= 1');
    if (!Number.isSafeInteger(cell.keySum)) throw new DisclosureInputError('keySum must be a safe integer');
  }
  for (const list of input.margins) {
    for (const entry of list) {
      if (!isCount(entry.count, 1)) throw new DisclosureInputError('margin counts must be integers >= 1');
      if (!Number.isSafeInteger(entry.keySum))
        throw new DisclosureInputError('keySum must be a safe integer');
    }
  }
  if (!isCount(input.total.count, 0)) throw new DisclosureInputError('total count must be an integer >= 0');
  if (!Number.isSafeInteger(input.total.keySum))
    throw new DisclosureInputError('keySum must be a safe integer');
}
