import { DIMENSIONS, MAX_YEAR, MIN_YEAR, type Dimension } from './dimensions.js';

/**
 * The query of an answer as its manifest and CSV state it: dimensions as asked, each filter as its list of
 * values (a year range as its years). Reads a body the service has already validated.
 */
export function releaseQuery(body: object): { dimensions: string[]; filters: Record<string, unknown[]> } {
  const { dimensions = [], filters = {} } = body as {
    dimensions?: string[];
    filters?: Record<string, unknown>;
  };
  const listed: Record<string, unknown[]> = {};
  for (const [name, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    if (DIMENSIONS[name as Dimension]?.kind === 'year' && !Array.isArray(value)) {
      const { gte = MIN_YEAR, lte = MAX_YEAR } = value as { gte?: number; lte?: number };
      listed[name] = Array.from({ length: lte - gte + 1 }, (_, i) => gte + i);
    } else listed[name] = value as unknown[];
  }
  return { dimensions: [...dimensions], filters: listed };
}
