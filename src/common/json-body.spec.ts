import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  countedJsonStream,
  countsAsItArrives,
  JsonShapeCounter,
  jsonOverLimit,
  type JsonLimits,
} from './json-body.js';

const limitsArb = fc.record({
  maxDepth: fc.integer({ min: 1, max: 6 }),
  maxKeys: fc.integer({ min: 0, max: 12 }),
  maxValues: fc.integer({ min: 0, max: 12 }),
});
// JSON with escapes, quotes and multi-byte characters inside strings, and text that is not JSON at all.
const textArb = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', 'a', 'é', '😀', ' ') }),
);

/** The counter fed the UTF-8 bytes of `text` in pieces cut at `cuts`. */
function fedInPieces(text: string, cuts: number[], limits: JsonLimits): string | null {
  const bytes = Buffer.from(text, 'utf8');
  const counter = new JsonShapeCounter(limits);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...at, bytes.length]) {
    const over = counter.feed(bytes.subarray(from, to));
    if (over !== null) return over;
    from = to;
  }
  return null;
}

describe('JSON shape limits (depth, fields, values) counted before parsing', () => {
  it('the UTF-8 bytes fed in any pieces give the same verdict as the whole text', () => {
    fc.assert(
      fc.property(textArb, fc.array(fc.nat()), limitsArb, (text, cuts, limits) => {
        expect(fedInPieces(text, cuts, limits)).toBe(jsonOverLimit(text, limits));
      }),
      { numRuns: 2000 },
    );
  });

  it('counts outside strings only (escaped quotes included)', () => {
    const limits = { maxDepth: 2, maxKeys: 1, maxValues: 0 };
    expect(jsonOverLimit('{"a:b,c{[\\"":"x\\\\"}', limits)).toBeNull();
    expect(jsonOverLimit('{"a":1,"b":2}', { ...limits, maxValues: 5 })).toBe(
      'the body has more than 1 fields',
    );
    expect(jsonOverLimit('[1,2]', limits)).toBe('the body has more than 0 values');
    expect(jsonOverLimit('[[[1]]]', limits)).toBe('the body is nested deeper than 2 levels');
  });

  it('the counted stream passes the bytes unchanged, or fails with the 400 once over a limit', async () => {
    const limits = { maxDepth: 32, maxKeys: 1000, maxValues: 20_000 };
    const ok = JSON.stringify({ a: [1, 2, 3], b: 'é😀' });
    const chunks: Buffer[] = [];
    for await (const chunk of countedJsonStream(Readable.from([Buffer.from(ok)]), limits))
      chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(ok);

    const many = JSON.stringify(Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])));
    const pieces = Array.from({ length: 40 }, (_, i) => Buffer.from(many.slice(i * 1000, (i + 1) * 1000)));
    const stream = countedJsonStream(Readable.from(pieces), limits);
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'Validation failed: the body has more than 1000 fields',
    });
    expect(stream.receivedEncodedLength).toBeLessThan(many.length);
  });

  it('over a limit with nobody reading it (a body Fastify refused by its Content-Length), it fails quietly', async () => {
    const limits = { maxDepth: 32, maxKeys: 10, maxValues: 20_000 };
    const many = JSON.stringify(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i])));
    const stream = countedJsonStream(Readable.from([Buffer.from(many)]), limits);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // An 'error' event without a listener would have thrown (an uncaught exception: the process would end).
    expect(stream.destroyed).toBe(true);
  });

  it.each([
    [{ 'content-type': 'application/json', 'content-length': '900000' }, true],
    [{ 'content-type': 'Application/JSON; charset=UTF-8' }, true],
    [{ 'content-type': 'application/json; charset=utf-16', 'content-length': '900000' }, false], // a 415
    [{ 'content-type': 'application/json', 'content-length': '2000000' }, false], // a 413, unread
    [{ 'content-type': 'application/x-ndjson' }, false], // the import stream
    [{ 'content-type': 'application/jsonx' }, false],
    [{}, false],
    [{ 'content-type': 'application/json', 'content-length': '1800' }, false], // small: counted whole
    [{ 'content-type': 'application/json', 'content-length': String(16 * 1024) }, false],
    [{ 'content-type': 'application/json', 'content-length': String(16 * 1024 + 1) }, true],
    [{ 'content-type': 'application/json', 'content-length': 'abc' }, true], // not a length: counted
  ])('counts the body of %p as it arrives: %p', (headers, counted) => {
    expect(countsAsItArrives(headers, 1_048_576)).toBe(counted);
  });
});
