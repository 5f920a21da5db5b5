import fc from 'fast-check';
import { DomainError } from '../common/errors.js';
import { parseCsvRecord, splitRecords, type ImportLimits, type RawRecord } from './import-records.js';
import { csvCell } from './case-csv.js';

const LIMITS: ImportLimits = { maxBytes: 1_000_000, maxRecords: 1000, maxRecordBytes: 1000 };

async function collect(chunks: (string | Buffer)[], csv = false, limits = LIMITS): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const record of splitRecords(chunks, { csv, limits })) out.push(record);
  return out;
}

describe('splitRecords', () => {
  it('gives each NDJSON line with its line number, skipping blank lines, whatever the chunking', async () => {
    const text = '{"a":1}\r\n\n{"b":"x\\ny"}\n{"c":3}';
    const expected = [
      { line: 1, text: '{"a":1}' },
      { line: 3, text: '{"b":"x\\ny"}' },
      { line: 4, text: '{"c":3}' },
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(text.length), { maxLength: 6 }), async (cuts) => {
        const points = [...new Set([0, ...cuts.sort((a, b) => a - b), text.length])];
        const chunks = points.slice(1).map((end, i) => text.slice(points[i], end));
        expect(await collect(chunks)).toEqual(expected);
      }),
    );
  });

  it('keeps line breaks inside quoted CSV cells in one record, numbered by its first line', async () => {
    const records = await collect(['a,b\n"x\ny",2\n', '3,"q""\n"\n'], true);
    expect(records).toEqual([
      { line: 1, text: 'a,b' },
      { line: 2, text: '"x\ny",2' },
      { line: 4, text: '3,"q""\n"' },
    ]);
  });

  it('reports a badly encoded or overlong record alone and goes on', async () => {
    const records = await collect([Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), 'x'.repeat(1001) + '\n{}\n']);
    expect(records).toEqual([
      { line: 1, error: 'the record is not valid UTF-8' },
      { line: 2, error: 'the record exceeds 1000 bytes' },
      { line: 3, text: '{}' },
    ]);
  });

  it('splits a multi-byte character across chunks correctly and drops a BOM', async () => {
    const bytes = Buffer.from('\ufeff{"n":"Nguyễn"}\n', 'utf8');
    const records = await collect([bytes.subarray(0, 12), bytes.subarray(12)]);
    expect(records).toEqual([{ line: 1, text: '{"n":"Nguyễn"}' }]);
  });

  it('throws 413 past the byte or record limit', async () => {
    const small = { maxBytes: 10, maxRecords: 2, maxRecordBytes: 10 };
    await expect(collect(['12345678901'], false, small)).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    const error: unknown = await collect(['a\nb\nc\n'], false, small).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(/2 records/);
  });
});

describe('parseCsvRecord', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,', ['a', '', '']],
    ['"a,b","c""d",""', ['a,b', 'c"d', '']],
    ['"x\r\ny"', ['x\r\ny']],
    ['', ['']],
  ])('%j has the cells %j', (text, cells) => {
    expect(parseCsvRecord(text)).toEqual(cells);
  });

  it.each(['a"b', '"a"b', '"abc'])('%j is malformed', (text) => {
    expect(parseCsvRecord(text)).toBeNull();
  });

  it('reads back exactly what csvCell writes', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), (values) => {
        const cells = parseCsvRecord(values.map((v) => csvCell(v)).join(','));
        expect(cells?.map((c) => (c.startsWith("'") ? c.slice(1) : c))).toEqual(values);
      }),
    );
  });
});
