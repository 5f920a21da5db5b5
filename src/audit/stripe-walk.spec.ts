import fc from 'fast-check';
import { RANGE_BATCH, seqRanges } from './stripe-walk.js';

describe('seqRanges (the full walk cut into ranges for its connections)', () => {
  it('cuts RANGE_BATCH + 600 events into two equal halves for two connections, not RANGE_BATCH and 600', () => {
    const half = (RANGE_BATCH + 600) / 2;
    expect(seqRanges(0, RANGE_BATCH + 600, 2)).toEqual([
      [0, half],
      [half, RANGE_BATCH + 600],
    ]);
  });

  it('keeps ranges of RANGE_BATCH when that already gives every connection the same share', () => {
    expect(seqRanges(10, 10 + 4 * RANGE_BATCH, 2)).toEqual([
      [10, 10 + RANGE_BATCH],
      [10 + RANGE_BATCH, 10 + 2 * RANGE_BATCH],
      [10 + 2 * RANGE_BATCH, 10 + 3 * RANGE_BATCH],
      [10 + 3 * RANGE_BATCH, 10 + 4 * RANGE_BATCH],
    ]);
  });

  it('has nothing to walk in an empty span', () => {
    expect(seqRanges(7, 7, 2)).toEqual([]);
    expect(seqRanges(9, 7, 2)).toEqual([]);
  });

  it('covers (from, to] exactly, in order, with ranges of at most RANGE_BATCH seqs shared out evenly', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 10_000_000 }),
        fc.nat({ max: 3_000_000 }),
        fc.integer({ min: 1, max: 8 }),
        (from, span, connections) => {
          const ranges = seqRanges(from, from + span, connections);
          let at = from;
          for (const [lo, hi] of ranges) {
            expect(lo).toBe(at);
            expect(hi).toBeGreaterThan(lo);
            expect(hi - lo).toBeLessThanOrEqual(RANGE_BATCH);
            at = hi;
          }
          expect(at).toBe(from + span);
          const sizes = ranges.map(([lo, hi]) => hi - lo);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          if (span >= connections) {
            // Every connection gets work, and each the same number of ranges.
            expect(ranges.length).toBeGreaterThanOrEqual(connections);
            expect(ranges.length % connections).toBe(0);
          }
        },
      ),
    );
  });
});
