/**
 * SQL for the geographic groupings (ctdc/regions.ts): a country column mapped to its UN M49 region or
 * sub-region in the query itself, by a CASE expression generated from the fixed M49 table (never from
 * input), and a filter on groupings as a filter on their member countries (a bound parameter).
 */
import { NOT_CLASSIFIED, regionMembers, UNKNOWN, type RegionLevel } from '../ctdc/index.js';

const COUNTRY = /^[A-Z]{2}$/;
const GROUPING = /^\d{3}$/;

/** Per level, the CASE expression's branches: `WHEN <col> IN ('DZ','EG',…) THEN '015'` (built once). */
const BRANCHES: Record<RegionLevel, string[]> = {
  region: branches('region'),
  subregion: branches('subregion'),
};

function branches(level: RegionLevel): string[] {
  return regionMembers(level)
    .filter(({ code }) => code !== NOT_CLASSIFIED)
    .map(({ code, countries }) => {
      // The table is fixed, but a literal in SQL is checked all the same.
      if (!GROUPING.test(code) || !countries.every((c) => COUNTRY.test(c))) {
        throw new Error(`M49 table: unexpected code in grouping ${code}`);
      }
      return `IN (${countries.map((c) => `'${c}'`).join(',')}) THEN '${code}'`;
    });
}

/** The grouping code of the country column `column` (e.g. `c.citizenship`): M49 code, `unknown` or `notClassified`. */
export function regionExpr(column: string, level: RegionLevel): string {
  const whens = BRANCHES[level].map((branch) => `WHEN ${column} ${branch}`);
  return `CASE ${whens.join(' ')} WHEN ${column} = '${UNKNOWN}' THEN '${UNKNOWN}' ELSE '${NOT_CLASSIFIED}' END`;
}
