import fc from 'fast-check';
import { DomainError } from './errors.js';
import { assertSafeInput, RESERVED_KEYS } from './safe-input.js';

describe('assertSafeInput', () => {
  it.each([
    ['{"constructor":{"prototype":{}}}', 'property constructor should not exist'],
    ['{"a":{"__proto__":{"x":1}}}', 'property a.__proto__ should not exist'],
    ['{"a":[{"b":1},{"prototype":1}]}', 'property a[1].prototype should not exist'],
    ['{"subject":{"givenName":"Am\\u0000ina"}}', 'subject.givenName must not contain NUL characters'],
    ['{"tags":["ok","x\\u0000"]}', 'tags[1] must not contain NUL characters'],
  ])('refuses %s: "%s"', (json, message) => {
    expect(() => assertSafeInput(JSON.parse(json))).toThrow(message);
  });

  it.each(['toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'])(
    'refuses a key named like an inherited property (%s), which class-validator would take for a known field',
    (key) => {
      expect(() => assertSafeInput({ filters: { [key]: ['x'] } })).toThrow(
        `property filters.${key} should not exist`,
      );
    },
  );

  it('walks 100,000 levels of nesting without using the call stack', () => {
    let deep: unknown = 'leaf\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => assertSafeInput(deep)).toThrow(/must not contain NUL characters/);
  });

  it('refuses what no parser of JSON or of a query string makes (a stream, a cyclic class instance) unwalked', () => {
    class Node {
      self: Node = this;
    }
    expect(() => assertSafeInput(new Node())).toThrow('Validation failed: the body must be JSON');
    expect(() => assertSafeInput({ a: [new Map()] })).toThrow('Validation failed: a[0] must be JSON');
    // Query strings parse to objects without a prototype, or (fast-querystring) one of an empty such object.
    expect(() => assertSafeInput(Object.assign(Object.create(null) as object, { q: 'x' }))).not.toThrow();
    const fastQuerystringRecord = Object.assign(Object.create(Object.create(null) as object) as object, {
      a: '1',
      b: ['2', '3'],
    });
    expect(() => assertSafeInput(fastQuerystringRecord)).not.toThrow();
  });

  it('never echoes the refused value', () => {
    expect(() => assertSafeInput({ subject: { givenName: 'Am\u0000ina' } })).not.toThrow(/Am/);
  });

  it('accepts any JSON without reserved keys or NUL characters', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        fc.pre(![...RESERVED_KEYS].some((key) => text.includes(`"${key}"`)) && !text.includes('\\u0000'));
        expect(() => assertSafeInput(JSON.parse(text))).not.toThrow();
      }),
    );
  });

  it('throws a domain error (a 400), never anything else', () => {
    try {
      assertSafeInput({ constructor: 1 });
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    }
    expect.assertions(2);
  });
});
