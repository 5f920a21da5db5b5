import fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';

const shuffle = (value: unknown, rand: () => number): unknown => {
  if (Array.isArray(value)) return value.map((v) => shuffle(v, rand));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(() => rand() - 0.5);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      Object.defineProperty(out, k, { value: shuffle(v, rand), enumerable: true, writable: true });
    }
    return out;
  }
  return value;
};

/** The plain definition the one-pass implementation must match byte for byte (audit hashes depend on it). */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

describe('canonicalJson', () => {
  it('is byte for byte the plain definition (sorted entries joined), undefined members and elements included', () => {
    const withUndefined = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(undefined),
        fc.jsonValue(),
        fc.array(tie('value')),
        fc.dictionary(fc.string(), tie('value')),
      ),
    })).value;
    fc.assert(
      fc.property(withUndefined, (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 500 },
    );
    const odd = { é: 1, Z: 2, a: [undefined, null, -0, 1e21, 'x"\\u2028'], '': { b: undefined } };
    expect(canonicalJson(odd)).toBe(reference(odd));
    // Integer-like keys, a hole, a function, a symbol, a Date, a toJSON member: as the definition writes them.
    const edge: unknown[] = [
      { 10: 'a', 9: 'b', x: 1, '01': 2 },
      [1, , 3], // eslint-disable-line no-sparse-arrays
      { f: () => 1, s: Symbol('s'), d: new Date(0), toJSON: 'not a function' },
      [() => 1],
      Object.assign(Object.create(null) as object, { b: 1, a: 2 }),
      undefined,
      'plain',
    ];
    for (const value of edge) expect(canonicalJson(value)).toBe(reference(value));
    expect(canonicalJson({ 10: 'a', 9: 'b' })).toBe('{"10":"a","9":"b"}');
  });

  it('is independent of key order at every depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        let s = seed;
        const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 + 1) % 1;
        expect(canonicalJson(shuffle(value, rand))).toBe(canonicalJson(value));
      }),
    );
  });

  it('distinguishes bodies that differ in any value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        // Equal canonical forms only for values equal up to key order.
        if (canonicalJson(a) === canonicalJson(b)) {
          expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));
        }
      }),
    );
    expect(canonicalJson({ a: 1, b: [1, 2] })).not.toBe(canonicalJson({ a: 1, b: [2, 1] }));
    expect(canonicalJson({ a: 'x' })).not.toBe(canonicalJson({ a: 'X' }));
  });

  it('drops undefined members and keeps __proto__ as a plain key', () => {
    expect(canonicalJson({ b: 1, a: undefined })).toBe('{"b":1}');
    const withProto = JSON.parse('{"__proto__":{"x":1},"a":2}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"x":1},"a":2}');
  });
});
