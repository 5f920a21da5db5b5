import { countriesOf, NOT_SPECIFIED, UNKNOWN } from '../ctdc/index.js';
import { DIMENSIONS, MAX_YEAR, MIN_YEAR, type Dimension } from './dimensions.js';
import type { AggregateFiltersDto, YearRange } from './dto/aggregate-query.dto.js';
import { regionExpr } from './region-sql.js';

/** One grouping of the answer: the cross-classified cells, one dimension's margin, or the total. */
export type Part = { kind: 'cells' } | { kind: 'margin'; dimension: number } | { kind: 'total' };

export interface AggregateRow {
  part: string;
  v0: string | null;
  v1: string | null;
  v2: string | null;
  n: number;
}

export const partName = (part: Part): string =>
  part.kind === 'margin' ? `margin:${part.dimension}` : part.kind;

/** The groupings an answer needs: cells (with ≥ 1 dimension), one margin per dimension (with ≥ 2), the total. */
export function partsFor(dimensions: readonly Dimension[]): Part[] {
  const parts: Part[] = [];
  if (dimensions.length > 0) parts.push({ kind: 'cells' });
  if (dimensions.length >= 2) dimensions.forEach((_, dimension) => parts.push({ kind: 'margin', dimension }));
  parts.push({ kind: 'total' });
  return parts;
}

type Param = (key: string, value: unknown, type: string) => string;

function binder(): { params: unknown[]; param: Param } {
  const params: unknown[] = [];
  const bound = new Map<string, string>();
  const param: Param = (key, value, type) => {
    if (!bound.has(key)) {
      params.push(value);
      bound.set(key, `$${params.length}::${type}`);
    }
    return bound.get(key) as string;
  };
  return { params, param };
}

/** FROM cases, unnesting the multi-valued dimensions of the query, and the WHERE of population + filters. */
function source(dimensions: readonly Dimension[], filters: AggregateFiltersDto, param: Param): string {
  const unnested = new Set(dimensions.filter((d) => DIMENSIONS[d].kind === 'multi'));
  const joins = [...unnested].map(
    (d) =>
      `CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.${DIMENSIONS[d].column}) = 0 ` +
      `THEN ARRAY['${NOT_SPECIFIED}'] ELSE c.${DIMENSIONS[d].column} END) AS u_${d}(v)`,
  );
  const where = ['c.erased_at IS NULL', 'c.consent_research'];
  for (const [name, value] of Object.entries(filters) as [Dimension, unknown][]) {
    if (value === undefined) continue;
    where.push(filterExpr(name, value, unnested.has(name), param));
  }
  return `FROM cases c ${joins.join(' ')} WHERE ${where.join(' AND ')}`;
}

/**
 * ONE statement and ONE scan of `cases` for every grouping of the answer (GROUPING SETS), so every grouping
 * comes from one snapshot. A multi-valued dimension of the query is unnested (an empty list as
 * notSpecified), and every grouping counts DISTINCT cases within its group: a case counts once per value
 * combination in the cells and once per value in a multi-valued dimension's margin, once per value of a
 * single-valued margin, and once in the total — exactly as the contract says, whatever else is unnested.
 * Each row also carries the data-version marker read in the same snapshot (see dataVersionMarkerSql).
 * Identifiers come from the DIMENSIONS allow-list only; every value is a bound parameter.
 */
export function buildAggregateSql(
  dimensions: readonly Dimension[],
  filters: AggregateFiltersDto = {},
  options: { maxCells?: number } = {},
): { sql: string; params: unknown[] } {
  const { params, param } = binder();
  const columns = [0, 1, 2].map((i) =>
    dimensions[i] ? `${valueExpr(dimensions[i])}::text AS v${i}` : `NULL::text AS v${i}`,
  );
  const inner = `SELECT c.id, ${columns.join(', ')} ${source(dimensions, filters, param)}`;
  const v = dimensions.map((_, i) => `v${i}`);
  const sets = partsFor(dimensions).map((part) =>
    part.kind === 'cells' ? `(${v.join(', ')})` : part.kind === 'margin' ? `(v${part.dimension})` : '()',
  );
  // GROUPING(v0, v1, v2) has bit (2 - i) set when v_i is not grouped; unused v_i are always NULL.
  const all = dimensions.length === 0 ? '' : `GROUPING(${v.join(', ')})`;
  const partExpr =
    dimensions.length === 0
      ? `'total'`
      : `CASE ${all} WHEN 0 THEN 'cells' ${marginCases(dimensions.length)} ELSE 'total' END`;
  const groupBy = dimensions.length === 0 ? '' : ` GROUP BY GROUPING SETS (${sets.join(', ')})`;
  const outer = [0, 1, 2].map((i) => (i < dimensions.length ? `v${i}` : `NULL::text AS v${i}`));
  const sql =
    `SELECT ${partExpr} AS part, ${outer.join(', ')}, count(DISTINCT id)::int AS n, (${dataVersionMarkerSql}) AS marker ` +
    `FROM (${inner}) s${groupBy} ORDER BY part, v0, v1, v2${rowLimit(dimensions, filters, options.maxCells, param)}`;
  return { sql, params };
}

/**
 * With `maxCells`, and when the code lists allow more cells than that, a LIMIT that bounds what the statement
 * returns (cells sort first, as 'cells' < 'margin:…' < 'total'): maxCells + 1 cells, so that one too many shows,
 * plus every margin row and the total the code lists allow. An answer within maxCells is never cut; a larger
 * one is refused by the caller from its maxCells + 1 cells, without millions of rows sent to the service. This
 * replaces a DISTINCT count before the statement, which scanned the cases a second time.
 */
function rowLimit(
  dimensions: readonly Dimension[],
  filters: AggregateFiltersDto,
  maxCells: number | undefined,
  param: Param,
): string {
  if (maxCells === undefined || possibleCells(dimensions, filters) <= maxCells) return '';
  const marginRows = dimensions.length >= 2 ? dimensions.reduce((n, d) => n + domainSize(d, filters), 0) : 0;
  return ` LIMIT ${param('limit', maxCells + 1 + marginRows + 1, 'int')}`;
}

/** With n ≥ 2 dimensions, margin d is the grouping set where only v_d is grouped. */
function marginCases(n: number): string {
  if (n < 2) return '';
  const allBits = (1 << n) - 1;
  return Array.from({ length: n }, (_, d) => `WHEN ${allBits - (1 << (n - 1 - d))} THEN 'margin:${d}'`).join(
    ' ',
  );
}

/** How many values a dimension can take in a query: its code list (or year range), narrowed by its filter. */
export function domainSize(dimension: Dimension, filters: AggregateFiltersDto = {}): number {
  const filter = (filters as Record<string, unknown>)[dimension];
  if (DIMENSIONS[dimension].kind === 'year') {
    if (Array.isArray(filter)) return filter.length;
    const { gte = MIN_YEAR, lte = MAX_YEAR } = (filter as YearRange | undefined) ?? {};
    return lte - gte + 1;
  }
  return Array.isArray(filter) ? filter.length : DIMENSIONS[dimension].values.length;
}

/** How many cells the code lists (narrowed by the filters) allow at most: a pure bound, no SQL. */
export function possibleCells(dimensions: readonly Dimension[], filters: AggregateFiltersDto = {}): number {
  return dimensions.reduce((acc, d) => acc * domainSize(d, filters), 1);
}

/**
 * The change marker of the data version: the latest `updated_at` of any case (every create, update,
 * consent change, transfer and erasure sets it), read through the per-office index — one index probe per
 * office, no scan, and no counter row that every write would have to update (which would serialise writes).
 */
export const dataVersionMarkerSql =
  `SELECT coalesce(to_char(max(m) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'none') ` +
  `FROM offices o CROSS JOIN LATERAL (SELECT max(cm.updated_at) AS m FROM cases cm WHERE cm.office_id = o.id) x`;

function valueExpr(dimension: Dimension): string {
  const spec = DIMENSIONS[dimension];
  switch (spec.kind) {
    case 'multi':
      return `u_${dimension}.v`;
    case 'boolean':
      return `CASE WHEN c.${spec.column} IS NULL THEN '${UNKNOWN}' ELSE c.${spec.column}::text END`;
    default:
      return spec.grouping ? regionExpr(`c.${spec.column}`, spec.grouping) : `c.${spec.column}`;
  }
}

function filterExpr(dimension: Dimension, value: unknown, unnested: boolean, param: Param): string {
  const spec = DIMENSIONS[dimension];
  const column = `c.${spec.column}`;
  switch (spec.kind) {
    case 'code':
      // A filter on regions is a filter on their member countries.
      if (spec.grouping) {
        const members = countriesOf(spec.grouping, value as string[]);
        return `${column} = ANY(${param(dimension, members, 'text[]')})`;
      }
      return `${column} = ANY(${param(dimension, value, 'text[]')})`;
    case 'year': {
      if (Array.isArray(value)) return `${column} = ANY(${param(dimension, value, 'int[]')})`;
      const { gte, lte } = value as YearRange;
      const bounds: string[] = [];
      if (gte !== undefined) bounds.push(`${column} >= ${param(`${dimension}.gte`, gte, 'int')}`);
      if (lte !== undefined) bounds.push(`${column} <= ${param(`${dimension}.lte`, lte, 'int')}`);
      return bounds.join(' AND ');
    }
    case 'boolean': {
      const list = value as (boolean | string)[];
      const booleans = list.filter((v): v is boolean => typeof v === 'boolean');
      const terms = [`${column} = ANY(${param(dimension, booleans, 'boolean[]')})`];
      if (list.includes(UNKNOWN)) terms.push(`${column} IS NULL`);
      return `(${terms.join(' OR ')})`;
    }
    case 'multi': {
      const list = param(dimension, value, 'text[]');
      if (unnested) return `u_${dimension}.v = ANY(${list})`;
      return `(${column} && ${list} OR (cardinality(${column}) = 0 AND '${NOT_SPECIFIED}' = ANY(${list})))`;
    }
  }
}

/** The stored text of a dimension value back to its JSON value (years as numbers, isAbduction as booleans). */
export function parseValue(dimension: Dimension, text: string): string | number | boolean {
  const { kind } = DIMENSIONS[dimension];
  if (kind === 'year') return Number(text);
  if (kind === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}
