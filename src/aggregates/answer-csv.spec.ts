import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvField, csvRowCount, renderAnswerCsv, type CsvAnswer } from './answer-csv.js';

const K = 11;
type Row = Record<string, string>;
const read = (text: string): Row[] => parse(text, { columns: true, comment: '#', skip_empty_lines: true });

const example = (): CsvAnswer => ({
  dimensions: [
    {
      name: 'citizenship',
      values: ['KR', 'PH', 'VN'],
      label: (v) => ({ KR: 'Korea, Republic of', PH: 'Philippines', VN: 'Viet Nam' })[v as string],
    },
    { name: 'yearOfRegistration', values: [2020, 2021] },
  ],
  cells: [
    { values: ['PH', 2020], listed: { count: 120, suppressed: false, lower: 114, upper: 126 } },
    { values: ['PH', 2021], listed: { count: null, suppressed: true } },
    { values: ['VN', 2021], listed: { count: 40, suppressed: false, lower: 34, upper: 46 } },
  ],
  margins: [
    [{ value: 'PH', listed: { count: 150, suppressed: false, lower: 144, upper: 156 } }],
    [{ value: 2021, listed: { count: 70, suppressed: false, lower: 64, upper: 76 } }],
  ],
  total: { count: 190, suppressed: false, lower: 184, upper: 196 },
  unlisted: { lower: 0, upper: K - 1 },
  comments: ['Counts protected with k = 11.\nSecond line, with "quotes", and commas.', 'queryId: abc'],
});

describe('answer CSV', () => {
  it('parses with a standard CSV parser: a row for every combination of the grid, then margins and total', () => {
    const rows = read(renderAnswerCsv(example()));
    expect(Object.keys(rows[0])).toEqual([
      'part',
      'citizenship',
      'citizenshipName',
      'yearOfRegistration',
      'count',
      'status',
      'lower95',
      'upper95',
    ]);
    const cells = rows.filter((r) => r.part === 'cell');
    expect(cells.map((r) => `${r.citizenship}/${r.yearOfRegistration}`)).toEqual([
      'KR/2020',
      'KR/2021',
      'PH/2020',
      'PH/2021',
      'VN/2020',
      'VN/2021',
    ]);
    expect(cells.find((r) => r.citizenship === 'KR')).toMatchObject({
      citizenshipName: 'Korea, Republic of',
      count: '',
      status: 'fewer_than_k',
      lower95: '0',
      upper95: '10',
    });
    expect(cells[2]).toMatchObject({ count: '120', status: 'released', lower95: '114', upper95: '126' });
    expect(cells[3]).toMatchObject({ count: '', status: 'suppressed', lower95: '', upper95: '' });
    const margins = rows.filter((r) => r.part === 'margin');
    expect(margins).toHaveLength(5);
    expect(margins.find((r) => r.citizenship === 'PH')).toMatchObject({
      yearOfRegistration: '',
      count: '150',
    });
    expect(margins.find((r) => r.yearOfRegistration === '2020')).toMatchObject({
      citizenship: '',
      citizenshipName: '',
      status: 'fewer_than_k',
    });
    expect(rows.at(-1)).toMatchObject({ part: 'total', citizenship: '', count: '190', status: 'released' });
    expect(rows).toHaveLength(csvRowCount([3, 2]));
  });

  it('puts the statement in a comment block before the header, one "# " line per line', () => {
    const text = renderAnswerCsv(example());
    const lines = text.split('\r\n');
    expect(lines.slice(0, 3)).toEqual([
      '# Counts protected with k = 11.',
      '# Second line, with "quotes", and commas.',
      '# queryId: abc',
    ]);
    expect(lines[3].startsWith('part,')).toBe(true);
    expect(lines.slice(3).join('\n')).not.toContain('#');
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('with no dimension there is only the total; with one, cells and the total but no margins', () => {
    const none = read(renderAnswerCsv({ ...example(), dimensions: [], cells: [], margins: [] }));
    expect(none).toEqual([
      { part: 'total', count: '190', status: 'released', lower95: '184', upper95: '196' },
    ]);
    const one = read(
      renderAnswerCsv({
        ...example(),
        dimensions: [{ name: 'gender', values: ['female', 'male'] }],
        cells: [{ values: ['male'], listed: { count: 12, suppressed: false } }],
        margins: [],
        total: undefined,
      }),
    );
    expect(one.map((r) => `${r.part}:${r.gender}:${r.status}`)).toEqual([
      'cell:female:fewer_than_k',
      'cell:male:released',
      'total::fewer_than_k',
    ]);
  });

  it('refuses a listed cell outside the grid (the grid must cover the answer)', () => {
    const answer = example();
    expect(() =>
      renderAnswerCsv({
        ...answer,
        cells: [...answer.cells, { values: ['TH', 2020], listed: { count: 20, suppressed: false } }],
      }),
    ).toThrow('outside the grid');
  });

  it('quotes per RFC 4180 and refuses the comment marker and formula starts in data', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(() => csvField('#1')).toThrow();
    expect(() => csvField('=SUM(A1)')).toThrow();
  });

  it('property: any grid round-trips through the parser, row count = grid size + margins + 1, released counts intact', () => {
    const gridArb = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 });
    fc.assert(
      fc.property(gridArb, fc.infiniteStream(fc.integer({ min: 0, max: 3 })), (sizes, picks) => {
        const dimensions = sizes.map((n, d) => ({
          name: `d${d}`,
          values: Array.from({ length: n }, (_, i) => `v${i}, "x"`),
        }));
        const combos: string[][] = sizes.reduce<string[][]>(
          (acc, _, d) => acc.flatMap((c) => dimensions[d].values.map((v) => [...c, v])),
          [[]],
        );
        const it = picks[Symbol.iterator]();
        const cells =
          sizes.length === 0
            ? []
            : combos
                .map((values) => ({ values, pick: it.next().value as number }))
                .filter((c) => c.pick > 0)
                .map((c) => ({
                  values: c.values,
                  listed:
                    c.pick === 1
                      ? { count: null, suppressed: true }
                      : { count: K + c.pick, suppressed: false },
                }));
        const text = renderAnswerCsv({ dimensions, cells, margins: [], total: undefined, comments: ['x'] });
        const rows = read(text);
        expect(rows).toHaveLength(csvRowCount(sizes));
        const released = rows.filter((r) => r.status === 'released');
        expect(released).toHaveLength(cells.filter((c) => !c.listed.suppressed).length);
        for (const r of released) expect(Number(r.count)).toBeGreaterThanOrEqual(K);
      }),
    );
  });
});
