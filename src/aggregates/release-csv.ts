/**
 * The CSV of a released answer, as a pure function of its released JSON text (so the CSV of a stored answer
 * is byte for byte the same every time it is fetched). The grid along each dimension is:
 * - the filter's values when the query filters on that dimension (years: the filter's years);
 * - otherwise the dimension's whole code list (for multi-valued ones with `notSpecified`);
 * - for years without a year filter, every year from the first to the last year the answer lists.
 * The header comment block carries the disclosure-control statement and the signed manifest (one line,
 * `# manifest: {…}`), so that the CSV alone can be verified offline (release-verify.ts).
 */
import { canonicalJson } from '../common/canonical-json.js';
import { validationFailed } from '../common/errors.js';
import { csvAnswerOf, csvRowCount, renderAnswerCsv, type CsvDimension, type CsvValue } from './answer-csv.js';
import { hasNameColumn, valueLabel } from './dimension-catalogue.js';
import { DIMENSIONS, MAX_YEAR, MIN_YEAR, type Dimension } from './dimensions.js';
import { CSV_MANIFEST_PREFIX, type ReleaseManifest } from './release-manifest.js';

/** A CSV has at most this many data rows (the full grid, margins, total); beyond it, ask with filters. */
export const MAX_CSV_ROWS = 1_000_000;

export type CsvFilters = Readonly<Record<string, readonly (string | number | boolean)[]>>;
type Filters = CsvFilters;
type JsonListed = { count: number | null; suppressed?: boolean; [key: string]: unknown };

export interface ReleasedAnswerJson {
  k: number;
  cells: JsonListed[];
  margins?: Record<string, JsonListed[]>;
  total?: JsonListed | null;
  disclosureControl: { statement?: unknown; listing?: unknown; noise?: { halfWidth95?: unknown } };
  queryId: string;
  manifest: ReleaseManifest;
}

/** The values of the grid along a dimension, in code-list order (years ascending). */
export function gridValues(
  dimension: Dimension,
  filters: Filters,
  listedYears: readonly number[] = [],
): readonly CsvValue[] {
  const spec = DIMENSIONS[dimension];
  const filter = filters[dimension];
  if (spec.kind === 'year') {
    if (filter) return [...(filter as number[])].sort((a, b) => a - b);
    if (listedYears.length === 0) return [];
    const [first, last] = [Math.min(...listedYears), Math.max(...listedYears)];
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }
  return filter ? spec.values.filter((v) => filter.includes(v)) : spec.values;
}

/** Refuses (400) a CSV that could have more than MAX_CSV_ROWS rows: checked before counting or rendering. */
export function checkCsvRows(dimensions: readonly Dimension[], filters: Filters): void {
  if (maxCsvRows(dimensions, filters) > MAX_CSV_ROWS) {
    throw validationFailed(
      `Validation failed: the CSV of this query could have more than ${MAX_CSV_ROWS.toLocaleString('en')} rows; add a year filter or use fewer dimensions`,
    );
  }
}

/** The most data rows the CSV of a query can have (years without a filter counted at their widest). */
export function maxCsvRows(dimensions: readonly Dimension[], filters: Filters): number {
  const sizes = dimensions.map((d) =>
    DIMENSIONS[d].kind === 'year' && !filters[d] ? MAX_YEAR - MIN_YEAR + 1 : gridValues(d, filters).length,
  );
  return csvRowCount(sizes);
}

function listedYears(answer: ReleasedAnswerJson, dimension: string): number[] {
  const entries = [...answer.cells, ...(answer.margins?.[dimension] ?? [])];
  return entries.map((e) => e[dimension]).filter((v): v is number => typeof v === 'number');
}

/** The 95% interval of a released count: count ± the noise's half-width (never below 0). */
function withInterval(entry: JsonListed, halfWidth: number | undefined): JsonListed {
  if (entry.count === null || halfWidth === undefined) return entry;
  return { ...entry, interval: [Math.max(0, entry.count - halfWidth), entry.count + halfWidth] };
}

/** The CSV text of a released answer (its JSON text as stored and served). */
export function releaseCsv(releasedText: string): string {
  const answer = JSON.parse(releasedText) as ReleasedAnswerJson;
  const { manifest } = answer;
  const dimensions = manifest.query.dimensions as Dimension[];
  const filters = (manifest.query.filters ?? {}) as Filters;
  const grid: CsvDimension[] = dimensions.map((name) => ({
    name,
    values: gridValues(name, filters, listedYears(answer, name)),
    label: hasNameColumn(name) ? (value) => valueLabel(name, value) : undefined,
  }));
  const h = answer.disclosureControl.noise?.halfWidth95;
  const halfWidth = typeof h === 'number' ? h : undefined;
  const intervals = {
    cells: answer.cells.map((c) => withInterval(c, halfWidth)),
    margins: Object.fromEntries(
      Object.entries(answer.margins ?? {}).map(([d, list]) => [
        d,
        list.map((e) => withInterval(e, halfWidth)),
      ]),
    ),
    total: answer.total ? withInterval(answer.total, halfWidth) : answer.total,
  };
  const statement =
    typeof answer.disclosureControl.statement === 'string' ? answer.disclosureControl.statement : '';
  const comments = [
    `Aggregate answer ${answer.queryId} (counts of cases with consent to research use that are not erased)`,
    `Data version ${String(manifest.dataVersion)}, counted at ${String(manifest.dataCountedAt)}; released at ${manifest.releasedAt}`,
    statement,
    'Rows: part = cell (every combination of the grid), margin (one dimension, the others empty), total.',
    `status: released (noisy count, lower95/upper95 = count -/+ the 95% half-width of the noise); ` +
      `suppressed (withheld by complementary suppression); fewer_than_k (not listed: fewer than ${answer.k} cases, possibly none).`,
    `Verify offline: npm run release:verify -- this.csv --public-key key.pem (key: GET /v1/aggregates/public-key).`,
    CSV_MANIFEST_PREFIX + canonicalJson(manifest),
  ].filter((line) => line !== '');
  return renderAnswerCsv(csvAnswerOf(intervals, grid, { comments }));
}
