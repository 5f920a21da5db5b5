import fc from 'fast-check';
import { etagOf, parseIfMatch } from './if-match.js';

describe('parseIfMatch', () => {
  it('absent header is null (428)', () => {
    expect(parseIfMatch(undefined)).toBeNull();
  });

  it.each([
    ['"1"', [1]],
    ['"42"', [42]],
    [' "3" , "4"', [3, 4]],
    ['*', []],
    ['W/"3"', []],
    ['3', []],
    ['"0"', []],
    ['"01"', []],
    ['"-1"', []],
    ['"99999999999"', []],
    ['', []],
  ])('%j accepts versions %j', (header, expected) => {
    expect(parseIfMatch(header)).toEqual(expected);
  });

  it('round-trips every ETag it issues', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_147_483_647 }), (version) => {
        expect(parseIfMatch(etagOf(version))).toEqual([version]);
      }),
    );
  });

  it('never throws, whatever the header', () => {
    fc.assert(
      fc.property(fc.string(), (header) => {
        const out = parseIfMatch(header);
        expect(Array.isArray(out)).toBe(true);
      }),
    );
  });
});
