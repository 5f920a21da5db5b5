import { canonicalJson } from '../common/canonical-json.js';
import { prfBitStream } from '../crypto/index.js';
import {
  discreteGaussian,
  listCount,
  sigmaSquared,
  type DimensionValue,
  type Listed,
  type ProtectedCount,
  type ProtectedTable,
  type TableInput,
} from '../disclosure/index.js';
import { parseValue, partName, type AggregateRow } from './aggregate-sql.js';
import { isMultiValued, type Dimension } from './dimensions.js';

type Labelled = Record<string, string | number | boolean | null>;
export type ListedEntry = Labelled & Listed;

/** What is stored for one (canonical query, data version): the listed counts. Never true counts. */
export interface Release {
  k: number;
  cells: ListedEntry[];
  margins?: Record<string, ListedEntry[]>;
  /** Absent when the total is not listed (fewer than k cases, possibly none). */
  total?: Listed;
  complementarySuppressed: number;
}

/**
 * The true counts of one answer as the disclosure module takes them: cells (non-empty combinations), margins
 * with two or more dimensions, the total, and per dimension the values a reader knows it can take (its domain
 * from aggregates/domains.ts; undefined: a filter on a linked attribute makes other values structural zeros the
 * reader knows of, so only the values present count).
 */
export function tableInputOf(
  dimensions: readonly Dimension[],
  rows: readonly AggregateRow[],
  domains: readonly (readonly DimensionValue[] | undefined)[],
): TableInput {
  const values = (row: AggregateRow, count: number) =>
    [row.v0, row.v1, row.v2].slice(0, count).map((text, i) => parseValue(dimensions[i], text as string));
  const marginRows =
    dimensions.length >= 2
      ? dimensions.map((_, d) =>
          rows.filter((row) => row.part === partName({ kind: 'margin', dimension: d })),
        )
      : [];
  return {
    dimensions,
    multiValued: dimensions.map(isMultiValued),
    domains: dimensions.map((_, d) => domains[d]),
    cells: rows
      .filter((row) => row.part === 'cells')
      .map((row) => ({ count: row.n, values: values(row, dimensions.length) })),
    margins: marginRows.map((list, d) =>
      list.map((row) => ({
        count: row.n,
        value: parseValue(dimensions[d], [row.v0, row.v1, row.v2][d] as string),
      })),
    ),
    total: { count: rows.find((row) => row.part === 'total')?.n ?? 0 },
  };
}

/**
 * Lists one protected answer: `table` is disclosure/protectTable's decision on the TRUE counts of `input`
 * (primary and exact complementary suppression over the whole grid, a zero and a small count alike); then, for
 * every released count, one draw of N_Z(0, σ²) from the keyed PRF stream of (noise label, member), then the
 * listing rule. The noise of a count is a deterministic function of the server key, the label (canonical query +
 * data version) and the count's own name — never of which records are counted.
 */
export function buildRelease(params: {
  input: TableInput;
  table: ProtectedTable;
  k: number;
  sigma: number;
  noiseKey: Buffer;
  noiseLabel: string;
}): Release {
  const { input, table, k, sigma, noiseKey, noiseLabel } = params;
  const dimensions = input.dimensions;
  const s2 = sigmaSquared(sigma);
  // The member's name is built only for a count that is listed (most cells of a large answer are not).
  const noise = (member: () => string) => () =>
    Number(discreteGaussian(s2, prfBitStream(noiseKey, `${noiseLabel}|${member()}`)));
  const totalCount = input.total.count;

  const label = (vals: readonly (string | number | boolean)[]): Labelled =>
    Object.fromEntries(vals.map((value, i) => [dimensions[i], value]));
  let complementarySuppressed = 0;
  const list = (count: number, decision: ProtectedCount, member: () => string): Listed | null => {
    const listed = listCount(count, decision, k, noise(member));
    if (listed?.suppressed) complementarySuppressed++;
    return listed;
  };

  const cells = input.cells.flatMap((cell, i) => {
    const listed = list(cell.count, table.cells[i], () => `cells:${canonicalJson(cell.values)}`);
    return listed ? [{ ...label(cell.values), ...listed }] : [];
  });
  const release: Release = { k, cells, complementarySuppressed: 0 };
  if (dimensions.length >= 2) {
    release.margins = Object.fromEntries(
      dimensions.map((dimension, d) => [
        dimension,
        input.margins[d].flatMap((entry, i) => {
          const listed = list(
            entry.count,
            table.margins[d][i],
            () => `margin:${dimension}:${canonicalJson(entry.value)}`,
          );
          return listed ? [{ [dimension]: entry.value, ...listed }] : [];
        }),
      ]),
    );
  }
  const total = list(totalCount, table.total, () => 'total');
  if (total) release.total = total;
  release.complementarySuppressed = complementarySuppressed;
  return release;
}
