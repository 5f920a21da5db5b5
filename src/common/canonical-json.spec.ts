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

describe('canonicalJson', () => {
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
