import fc from 'fast-check';
import { buildAggregateSql, parseValue, partName, partsFor, possibleCells } from './aggregate-sql.js';
import { DIMENSION_NAMES, DIMENSIONS, type Dimension } from './dimensions.js';
import { regionExpr } from './region-sql.js';

describe('aggregate SQL', () => {
  it('asks for cells with one or more dimensions, margins with two or more, and always the total', () => {
    expect(partsFor([]).map(partName)).toEqual(['total']);
    expect(partsFor(['gender']).map(partName)).toEqual(['cells', 'total']);
    expect(partsFor(['gender', 'citizenship', 'ageBroad']).map(partName)).toEqual([
      'cells',
      'margin:0',
      'margin:1',
      'margin:2',
      'total',
    ]);
  });

  it('never puts a filter value into the SQL text: every value is a bound parameter', () => {
    const dimensionsArb = fc.uniqueArray(fc.constantFrom(...DIMENSION_NAMES), { maxLength: 3 });
    const filtersArb = fc.dictionary(
      fc.constantFrom(...DIMENSION_NAMES.filter((d) => d !== 'yearOfRegistration')),
      fc.constant(null),
    );
    fc.assert(
      fc.property(dimensionsArb, filtersArb, (dimensions: Dimension[], chosen) => {
        const filters = Object.fromEntries(
          Object.keys(chosen).map((name) => [name, [...DIMENSIONS[name as Dimension].values].slice(0, 2)]),
        );
        const { sql, params } = buildAggregateSql(dimensions, {
          ...filters,
          yearOfRegistration: { gte: 2018, lte: 2022 },
        });
        expect(params.length).toBe(Object.keys(filters).length + 2);
        expect(sql).not.toContain('2018');
        // The grouping CASE expressions are literals of the fixed M49 table, not input: take them out first.
        const text = dimensions.reduce((acc, d) => {
          const { column, grouping } = DIMENSIONS[d];
          return grouping ? acc.split(regionExpr(`c.${column}`, grouping)).join('') : acc;
        }, sql);
        for (const [name, list] of Object.entries(filters)) {
          // Grouping codes appear in the SQL only as the fixed M49 table's CASE literals; the filter binds countries.
          if (DIMENSIONS[name as Dimension].grouping) continue;
          for (const value of list) {
            if (typeof value === 'string' && value !== 'notSpecified' && value !== 'unknown') {
              expect(text).not.toContain(`'${value}'`);
            }
          }
        }
      }),
    );
  });

  it('counts every grouping in ONE scan of cases with GROUPING SETS, over consenting non-erased cases', () => {
    const { sql } = buildAggregateSql(['gender', 'exploitationTypes']);
    expect(sql).not.toContain('UNION');
    expect(sql.match(/FROM cases c /g)).toHaveLength(1);
    expect(sql).toContain('GROUPING SETS ((v0, v1), (v0), (v1), ())');
    expect(sql).toContain('c.erased_at IS NULL AND c.consent_research');
    expect(sql).toContain('count(DISTINCT id)');
  });

  it('unnests a multi-valued dimension once, an empty list as notSpecified; the total still counts cases once', () => {
    const { sql } = buildAggregateSql(['gender', 'exploitationTypes']);
    expect(sql.match(/unnest/g)).toHaveLength(1);
    expect(sql).toContain("THEN ARRAY['notSpecified']");
    expect(buildAggregateSql([]).sql).not.toContain('GROUPING SETS');
  });

  it('bounds the cells by the code lists and filters, with no SQL', () => {
    expect(possibleCells(['gender'])).toBe(DIMENSIONS.gender.values.length);
    expect(
      possibleCells(['gender', 'yearOfRegistration'], { yearOfRegistration: { gte: 2018, lte: 2022 } }),
    ).toBe(DIMENSIONS.gender.values.length * 5);
    expect(possibleCells(['citizenship'], { citizenship: ['PH', 'VN'] })).toBe(2);
  });

  it('with maxCells, bounds the rows returned to maxCells + 1 cells plus every margin row and the total, only when the code lists allow more', () => {
    const dims = ['citizenship', 'countryOfExploitation', 'ageBroad'] as const;
    const { sql, params } = buildAggregateSql(dims, {}, { maxCells: 50_000 });
    const margins = DIMENSIONS.citizenship.values.length * 2 + DIMENSIONS.ageBroad.values.length;
    expect(sql).toMatch(/ORDER BY part, v0, v1, v2 LIMIT \$1::int$/);
    expect(params).toEqual([50_000 + 1 + margins + 1]);
    // Filters bind first; the limit counts the filtered domains.
    const filtered = buildAggregateSql(
      ['citizenship', 'yearOfRegistration'],
      { yearOfRegistration: { gte: 2000, lte: 2019 } },
      { maxCells: 10 },
    );
    expect(filtered.params).toEqual([2000, 2019, 10 + 1 + DIMENSIONS.citizenship.values.length + 20 + 1]);
    expect(filtered.sql).toContain('LIMIT $3::int');
    // Within the bound by the code lists alone, or without maxCells: no limit.
    expect(buildAggregateSql(['gender', 'ageBroad'], {}, { maxCells: 50_000 }).sql).not.toContain('LIMIT');
    expect(buildAggregateSql(dims).sql).not.toContain('LIMIT');
    // The cells sort before every margin and the total, so a cut removes only cells beyond maxCells + 1.
    expect(['total', 'margin:2', 'cells', 'margin:0'].sort()).toEqual([
      'cells',
      'margin:0',
      'margin:2',
      'total',
    ]);
  });

  it('parses stored values back to their JSON types', () => {
    expect(parseValue('yearOfRegistration', '2021')).toBe(2021);
    expect(parseValue('isAbduction', 'true')).toBe(true);
    expect(parseValue('isAbduction', 'false')).toBe(false);
    expect(parseValue('isAbduction', 'unknown')).toBe('unknown');
    expect(parseValue('citizenship', 'PH')).toBe('PH');
  });

  it('maps a country column to its M49 grouping in the query; a region filter binds its member countries', () => {
    const { sql, params } = buildAggregateSql(['citizenshipRegion'], {
      countryOfExploitationSubregion: ['035'],
    });
    expect(sql).toContain('WHEN c.citizenship IN (');
    expect(sql).toContain("THEN '142'");
    expect(sql).toContain("ELSE 'notClassified' END");
    expect(sql).toContain('c.country_of_exploitation = ANY($1::text[])');
    expect(params[0]).toEqual(expect.arrayContaining(['PH', 'TH', 'VN', 'MY', 'ID']));
    expect(params[0]).not.toContain('CN');
  });
});
