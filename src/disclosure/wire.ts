/**
 * The protection worker's messages as a few typed arrays (protect-async.ts ↔ protect-worker.ts). A structured
 * clone of a 45,000-cell table as objects took 60–100 ms of the event loop to send and 25–50 ms to receive
 * the decisions; as arrays (transferred, not copied) both take a few milliseconds. Round trips are exact.
 */
import { DisclosureInputError } from './errors.js';
import type { DimensionValue, MemberStatus, ProtectedCount, ProtectedTable, TableInput } from './types.js';

export interface WireTable {
  dimensions: readonly string[];
  multiValued: readonly boolean[];
  domains?: readonly (readonly DimensionValue[] | undefined)[];
  notSpecified?: DimensionValue;
  /** Per dimension, its distinct values in the cells and margins, in order of first appearance. */
  values: DimensionValue[][];
  /** Per dimension, each cell's value as an index into `values[d]`. */
  cellValues: Int32Array[];
  cellCounts: Float64Array;
  marginValues: Int32Array[];
  marginCounts: Float64Array[];
  total: number;
}

export interface WireDecisions {
  cells: Uint8Array;
  margins: Uint8Array[];
  total: number;
  summary: ProtectedTable['summary'];
}

const STATUSES: readonly MemberStatus[] = ['released', 'suppressed', 'unlisted'];
const DECISIONS: readonly ProtectedCount[] = STATUSES.map((status) => ({
  status,
  suppressed: status !== 'released',
}));

function countOf(count: unknown): number {
  if (typeof count !== 'number') throw new DisclosureInputError('counts must be numbers');
  return count;
}

/** The table as arrays, and the buffers to transfer with it (the table itself is left as it is). */
export function tableToWire(input: TableInput): { wire: WireTable; transfer: ArrayBuffer[] } {
  const D = input.dimensions.length;
  if (input.margins.length !== (D >= 2 ? D : 0)) {
    throw new DisclosureInputError('margins: one list per dimension when there are 2 or more dimensions');
  }
  const values: DimensionValue[][] = [];
  const indexOf: Map<DimensionValue, number>[] = [];
  for (let d = 0; d < D; d++) {
    values.push([]);
    indexOf.push(new Map());
  }
  const idx = (d: number, value: DimensionValue): number => {
    let i = indexOf[d].get(value);
    if (i === undefined || !Object.is(values[d][i], value)) {
      // Object.is: a Map takes -0 for 0; a value the Map merged is stored apart, so the round trip is exact.
      i = values[d].push(value) - 1;
      if (!indexOf[d].has(value)) indexOf[d].set(value, i);
    }
    return i;
  };
  const cellValues = Array.from({ length: D }, () => new Int32Array(input.cells.length));
  const cellCounts = new Float64Array(input.cells.length);
  input.cells.forEach((cell, c) => {
    if (cell.values.length !== D) throw new DisclosureInputError('cell values must match dimensions');
    for (let d = 0; d < D; d++) cellValues[d][c] = idx(d, cell.values[d]);
    cellCounts[c] = countOf(cell.count);
  });
  const marginValues = input.margins.map((list, d) => Int32Array.from(list, (e) => idx(d, e.value)));
  const marginCounts = input.margins.map((list) => Float64Array.from(list, (e) => countOf(e.count)));
  const wire: WireTable = {
    dimensions: input.dimensions,
    multiValued: input.multiValued,
    domains: input.domains,
    notSpecified: input.notSpecified,
    values,
    cellValues,
    cellCounts,
    marginValues,
    marginCounts,
    total: countOf(input.total.count),
  };
  const transfer = [...cellValues, cellCounts, ...marginValues, ...marginCounts].map(
    (a) => a.buffer as ArrayBuffer,
  );
  return { wire, transfer };
}

export function tableFromWire(wire: WireTable): TableInput {
  const D = wire.dimensions.length;
  const input: TableInput = {
    dimensions: wire.dimensions,
    multiValued: wire.multiValued,
    cells: Array.from(wire.cellCounts, (count, c) => ({
      count,
      values: Array.from({ length: D }, (_, d) => wire.values[d][wire.cellValues[d][c]]),
    })),
    margins: wire.marginValues.map((ids, d) =>
      Array.from(ids, (v, i) => ({ value: wire.values[d][v], count: wire.marginCounts[d][i] })),
    ),
    total: { count: wire.total },
  };
  if (wire.domains !== undefined) input.domains = wire.domains;
  if (wire.notSpecified !== undefined) input.notSpecified = wire.notSpecified;
  return input;
}

const code = (decision: ProtectedCount): number => STATUSES.indexOf(decision.status);

export function decisionsToWire(table: ProtectedTable): { wire: WireDecisions; transfer: ArrayBuffer[] } {
  const cells = Uint8Array.from(table.cells, code);
  const margins = table.margins.map((list) => Uint8Array.from(list, code));
  return {
    wire: { cells, margins, total: code(table.total), summary: table.summary },
    transfer: [cells, ...margins].map((a) => a.buffer as ArrayBuffer),
  };
}

export function decisionsFromWire(wire: WireDecisions): ProtectedTable {
  const of = (c: number): ProtectedCount => {
    const decision = DECISIONS[c];
    if (decision === undefined) throw new Error('protection worker: unknown decision code');
    return decision;
  };
  return {
    cells: Array.from(wire.cells, of),
    margins: wire.margins.map((list) => Array.from(list, of)),
    total: of(wire.total),
    summary: wire.summary,
  };
}
