import fc from 'fast-check';
import { listCount } from './listing.js';
import type { ProtectedCount } from './types.js';

const decisionArb: fc.Arbitrary<ProtectedCount> = fc.constantFrom<ProtectedCount>(
  { status: 'released', suppressed: false },
  { status: 'unlisted', suppressed: true },
  { status: 'suppressed', suppressed: true },
);

describe('listing rule', () => {
  it('property: no count whose true count is below k is ever listed, zero included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 50 }),
        fc.integer({ min: 0, max: 49 }),
        decisionArb,
        fc.integer({ min: -100, max: 100 }),
        (k, small, decision, noise) => {
          const trueCount = small % k;
          expect(listCount(trueCount, decision, k, () => noise)).toBeNull();
        },
      ),
    );
  });

  it('property: a count of k or more is always listed: a complementary suppression as {null, true}, a released count with its noise, floored at k', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 50 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: -100, max: 100 }),
        fc.boolean(),
        (k, extra, noise, complementary) => {
          const trueCount = k + extra;
          const decision: ProtectedCount = complementary
            ? { status: 'suppressed', suppressed: true }
            : { status: 'released', suppressed: false };
          const listed = listCount(trueCount, decision, k, () => noise);
          if (complementary) expect(listed).toEqual({ count: null, suppressed: true });
          // Listed, not left out, whatever the noise: everything unlisted has fewer than k cases.
          else expect(listed).toEqual({ count: Math.max(k, trueCount + noise), suppressed: false });
        },
      ),
    );
  });

  it('property: a zero and a small count give the same (absent) result, whatever the decision and noise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), decisionArb, decisionArb, (k, d0, d1) => {
        const small = Math.max(1, k - 1);
        expect(listCount(0, d0, k, () => 5)).toEqual(listCount(small, d1, k, () => -3));
      }),
    );
  });

  it('draws noise only for released counts', () => {
    let draws = 0;
    const noise = () => (draws++, 0);
    listCount(3, { status: 'unlisted', suppressed: true }, 11, noise);
    listCount(30, { status: 'suppressed', suppressed: true }, 11, noise);
    expect(draws).toBe(0);
    listCount(30, { status: 'released', suppressed: false }, 11, noise);
    expect(draws).toBe(1);
  });
});
