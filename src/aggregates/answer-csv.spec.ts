import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import {
  csvField,
  csvRowCount,
  renderAnswerCsv,
  type CsvAnswer,
  type CsvStatus,
  type CsvValue,
  type ListedCount,
} from './answer-csv.js';

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

/** The renderer as first written (a walk over every combination, each row's fields rendered anew). */
const EOL = '\r\n';
const keyOf = (values: readonly CsvValue[]): string => JSON.stringify(values);
function statusOf(listed: ListedCount | undefined): CsvStatus {
  if (!listed) return 'fewer_than_k';
  return listed.suppressed ? 'suppressed' : 'released';
}

function reference(answer: CsvAnswer): string {
  const { dimensions } = answer;
  const out: string[] = [];
  for (const block of answer.comments) {
    for (const line of block.split(/\r?\n/)) out.push(line === '' ? '#' : `# ${line}`);
  }

  const header = ['part'];
  for (const d of dimensions) {
    header.push(d.name);
    if (d.label) header.push(`${d.name}Name`);
  }
  header.push('count', 'status', 'lower95', 'upper95');
  out.push(header.map(csvField).join(','));

  const row = (part: string, at: (CsvValue | undefined)[], listed: ListedCount | undefined) => {
    const fields: (CsvValue | null | undefined)[] = [part];
    dimensions.forEach((d, i) => {
      fields.push(at[i]);
      if (d.label) fields.push(at[i] === undefined ? undefined : d.label(at[i] as CsvValue));
    });
    const status = statusOf(listed);
    const interval = listed ?? answer.unlisted;
    fields.push(status === 'released' ? listed?.count : undefined, status, interval?.lower, interval?.upper);
    out.push(fields.map(csvField).join(','));
  };

  if (dimensions.length > 0) {
    const cells = new Map(answer.cells.map((c) => [keyOf(c.values), c.listed]));
    const combination: CsvValue[] = [];
    let found = 0;
    const walk = (depth: number) => {
      if (depth === dimensions.length) {
        const listed = cells.get(keyOf(combination));
        if (listed) found++;
        row('cell', combination, listed);
        return;
      }
      for (const value of dimensions[depth].values) {
        combination[depth] = value;
        walk(depth + 1);
      }
    };
    walk(0);
    if (found !== cells.size) throw new Error('a listed cell lies outside the grid of the CSV');
  }
  if (dimensions.length >= 2) {
    dimensions.forEach((d, i) => {
      const listed = new Map((answer.margins[i] ?? []).map((m) => [keyOf([m.value]), m.listed]));
      if (!(answer.margins[i] ?? []).every((m) => d.values.includes(m.value))) {
        throw new Error('a listed margin entry lies outside the grid of the CSV');
      }
      for (const value of d.values) {
        const at: (CsvValue | undefined)[] = dimensions.map((_, j) => (j === i ? value : undefined));
        row('margin', at, listed.get(keyOf([value])));
      }
    });
  }
  row(
    'total',
    dimensions.map(() => undefined),
    answer.total,
  );
  return out.join(EOL) + EOL;
}

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

  it('renders byte for byte as the plain walk over every combination (listed cells found by position)', () => {
    const listed = fc.record({
      count: fc.option(fc.nat(500), { nil: null }),
      suppressed: fc.boolean(),
      lower: fc.option(fc.nat(500), { nil: undefined }),
      upper: fc.option(fc.nat(500), { nil: undefined }),
    });
    const grid = fc
      .array(
        fc.record({
          values: fc.uniqueArray(
            fc.oneof(fc.constantFrom('AF', 'PH', 'a b', 'x,y', 'q"q'), fc.integer({ min: 1990, max: 2030 })),
            {
              maxLength: 5,
            },
          ),
          labelled: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      )
      .chain((dims) => {
        const combos = dims.reduce<CsvValue[][]>(
          (acc, d) => acc.flatMap((c) => d.values.map((v) => [...c, v])),
          [[]],
        );
        return fc.record({
          dims: fc.constant(dims),
          cells: fc
            .subarray(combos)
            .chain((chosen) =>
              fc
                .tuple(...chosen.map(() => listed))
                .map((ls) => chosen.map((values, i) => ({ values, listed: ls[i] }))),
            ),
          unlisted: fc.option(fc.constant({ lower: 0, upper: 10 }), { nil: undefined }),
        });
      });
    fc.assert(
      fc.property(grid, ({ dims, cells, unlisted }) => {
        const answer: CsvAnswer = {
          dimensions: dims.map((d, i) => ({
            name: `d${i}`,
            values: d.values,
            label: d.labelled
              ? (v: CsvValue) => (typeof v === 'number' ? undefined : `name of ${v}`)
              : undefined,
          })),
          cells: cells as { values: CsvValue[]; listed: ListedCount }[],
          margins: dims.map(() => []),
          total: undefined,
          unlisted,
          comments: ['c'],
        };
        expect(renderAnswerCsv(answer)).toBe(reference(answer));
      }),
      { numRuns: 300 },
    );
    const outside = {
      ...example(),
      cells: [{ values: ['XX', 2020], listed: { count: 1, suppressed: false } }],
    };
    expect(() => renderAnswerCsv(outside)).toThrow('a listed cell lies outside the grid of the CSV');
    expect(() => reference(outside)).toThrow('a listed cell lies outside the grid of the CSV');
  });
});
