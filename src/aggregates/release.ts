import { canonicalJson } from '../common/canonical-json.js';
import { prfBitStream } from '../crypto/index.js';
import {
  discreteGaussian,
  listCount,
  sigmaSquared,
  withholdUniformly,
  type DimensionValue,
  type Listed,
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
 * Protects the true counts of one answer and adds the noise: primary and complementary suppression on the
 * TRUE counts, decided from the listing alone over the whole grid of the domains, so that a zero and a small
 * count look the same (disclosure/uniform-withholding), then, for every released count, one draw of N_Z(0, σ²) from the
 * keyed PRF stream of (noise label, member), then the listing rule. The noise of a count is a deterministic
 * function of the server key, the label (canonical query + data version) and the count's own name — never
 * of which records are counted.
 */
export function buildRelease(params: {
  dimensions: readonly Dimension[];
  rows: readonly AggregateRow[];
  k: number;
  sigma: number;
  noiseKey: Buffer;
  noiseLabel: string;
  /** Per dimension, the values a reader knows it can take (aggregates/domains.ts). */
  domains: readonly (readonly DimensionValue[] | undefined)[];
}): Release {
  const { dimensions, rows, k, sigma, noiseKey, noiseLabel, domains } = params;
  const s2 = sigmaSquared(sigma);
  const noise = (member: string) => () =>
    Number(discreteGaussian(s2, prfBitStream(noiseKey, `${noiseLabel}|${member}`)));

  const values = (row: AggregateRow, count: number) =>
    [row.v0, row.v1, row.v2].slice(0, count).map((text, i) => parseValue(dimensions[i], text as string));
  const cellRows = rows.filter((row) => row.part === 'cells');
  const marginRows =
    dimensions.length >= 2
      ? dimensions.map((_, d) =>
          rows.filter((row) => row.part === partName({ kind: 'margin', dimension: d })),
        )
      : [];
  const totalCount = rows.find((row) => row.part === 'total')?.n ?? 0;

  const input: TableInput = {
    dimensions,
    multiValued: dimensions.map(isMultiValued),
    cells: cellRows.map((row) => ({ count: row.n, values: values(row, dimensions.length) })),
    margins: marginRows.map((list, d) =>
      list.map((row) => ({
        count: row.n,
        value: parseValue(dimensions[d], [row.v0, row.v1, row.v2][d] as string),
      })),
    ),
    total: { count: totalCount },
  };
  // A domain left undefined (a filter on the same attribute family makes other values structural zeros the
  // reader knows of) counts only the values present.
  const domainSizes = dimensions.map(
    (_, d) => domains[d]?.length ?? new Set(input.cells.map((c) => String(c.values[d]))).size,
  );
  const table = withholdUniformly(input, k, domainSizes);

  const label = (vals: readonly (string | number | boolean)[]): Labelled =>
    Object.fromEntries(vals.map((value, i) => [dimensions[i], value]));
  let complementarySuppressed = 0;
  const list = (count: number, decision: (typeof table.cells)[number], member: string): Listed | null => {
    const listed = listCount(count, decision, k, noise(member));
    if (listed?.suppressed) complementarySuppressed++;
    return listed;
  };

  const cells = input.cells.flatMap((cell, i) => {
    const listed = list(cell.count, table.cells[i], `cells:${canonicalJson(cell.values)}`);
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
            `margin:${dimension}:${canonicalJson(entry.value)}`,
          );
          return listed ? [{ [dimension]: entry.value, ...listed }] : [];
        }),
      ]),
    );
  }
  const total = list(totalCount, table.total, 'total');
  if (total) release.total = total;
  release.complementarySuppressed = complementarySuppressed;
  return release;
}
