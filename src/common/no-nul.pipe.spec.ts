import fc from 'fast-check';
import { findNul, NoNulCharactersPipe } from './no-nul.pipe.js';

describe('NUL characters', () => {
  it('names the path of the first string holding a NUL, at any depth', () => {
    expect(findNul({ a: 'ok', b: { c: ['x', 'y\u0000'] } })).toBe('b.c[1]');
    expect(findNul({ a: 'ok', n: 1, z: null })).toBeNull();
  });

  it('the pipe passes every value without NUL through unchanged', () => {
    const pipe = new NoNulCharactersPipe();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(findNul(value) === null);
        expect(pipe.transform(value)).toBe(value);
      }),
    );
  });

  it('the pipe refuses any string with a NUL, without echoing it', () => {
    const pipe = new NoNulCharactersPipe();
    expect(() => pipe.transform({ subject: { givenName: 'Am\u0000ina' } })).toThrow(/subject\.givenName/);
    expect(() => pipe.transform({ subject: { givenName: 'Am\u0000ina' } })).not.toThrow(/Am/);
  });
});
