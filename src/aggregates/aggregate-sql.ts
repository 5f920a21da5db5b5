import { countriesOf, NOT_SPECIFIED, UNKNOWN } from '../ctdc/index.js';
import { DIMENSIONS, type Dimension } from './dimensions.js';
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
  /** Sum of the record keys of the counted records, mod 2^32 (the cell key's numerator). */
  ks: string;
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

/**
 * One SQL statement (so every grouping comes from one snapshot) that counts consenting, non-erased cases
 * per grouping, with the sum of their record keys. A multi-valued dimension is unnested only in the
 * groupings that include it, so a case counts once per value there and once in the total. Identifiers come
 * from the DIMENSIONS allow-list only; every value is a bound parameter.
 */
export function buildAggregateSql(
  dimensions: readonly Dimension[],
  filters: AggregateFiltersDto = {},
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const bind = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const bound = new Map<string, string>();
  const param = (key: string, value: unknown, type: string) => {
    if (!bound.has(key)) bound.set(key, bind(value, type));
    return bound.get(key) as string;
  };

  const select = (part: Part): string => {
    const grouped =
      part.kind === 'cells' ? [...dimensions] : part.kind === 'margin' ? [dimensions[part.dimension]] : [];
    const unnested = new Set(grouped.filter((d) => DIMENSIONS[d].kind === 'multi'));
    const joins = [...unnested].map(
      (d) =>
        `CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.${DIMENSIONS[d].column}) = 0 ` +
        `THEN ARRAY['${NOT_SPECIFIED}'] ELSE c.${DIMENSIONS[d].column} END) AS u_${d}(v)`,
    );
    const values = [0, 1, 2].map((i) => (grouped[i] ? `${valueExpr(grouped[i])}::text` : 'NULL::text'));
    const where = ['c.erased_at IS NULL', 'c.consent_research'];
    for (const [name, value] of Object.entries(filters) as [Dimension, unknown][]) {
      if (value === undefined) continue;
      where.push(filterExpr(name, value, unnested.has(name), param));
    }
    const groupBy = grouped.length > 0 ? ` GROUP BY ${grouped.map((_, i) => i + 2).join(', ')}` : '';
    return (
      `SELECT '${partName(part)}' AS part, ${values.map((v, i) => `${v} AS v${i}`).join(', ')}, ` +
      `count(*)::int AS n, (coalesce(sum(c.record_key), 0) % 4294967296)::bigint AS ks ` +
      `FROM cases c ${joins.join(' ')} WHERE ${where.join(' AND ')}${groupBy}`
    );
  };

  const sql = `${partsFor(dimensions).map(select).join('\nUNION ALL\n')}\nORDER BY part, v0, v1, v2`;
  return { sql, params };
}

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

function filterExpr(
  dimension: Dimension,
  value: unknown,
  unnested: boolean,
  param: (key: string, value: unknown, type: string) => string,
): string {
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
