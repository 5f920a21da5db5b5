import { pinnedUnknowns } from './interval-bounds.js';
import type { UnknownRow } from './unknown-system.js';

const row = (terms: [number, 1 | -1][], constant: number): UnknownRow => ({ terms, constant });
const primary = { lo: 1, hi: 10 };
const complementary = { lo: 11, hi: Infinity };

describe('pinnedUnknowns', () => {
  it('two counts >= 1 that sum to 2 are both pinned to 1', () => {
    const initial = new Map([
      [0, primary],
      [1, primary],
    ]);
    expect(
      pinnedUnknowns(
        [
          row(
            [
              [0, 1],
              [1, 1],
            ],
            2,
          ),
        ],
        initial,
      ),
    ).toEqual(new Set([0, 1]));
  });

  it('a primary (<= 10) and a complementary (>= 11) count that sum to 12 are pinned', () => {
    const initial = new Map([
      [0, primary],
      [1, complementary],
    ]);
    expect(
      pinnedUnknowns(
        [
          row(
            [
              [0, 1],
              [1, 1],
            ],
            12,
          ),
        ],
        initial,
      ),
    ).toEqual(new Set([0, 1]));
  });

  it('leaves slack alone: 3 + 20 = 23 with those bounds is not pinned', () => {
    const initial = new Map([
      [0, primary],
      [1, complementary],
    ]);
    expect(
      pinnedUnknowns(
        [
          row(
            [
              [0, 1],
              [1, 1],
            ],
            23,
          ),
        ],
        initial,
      ),
    ).toEqual(new Set());
  });

  it('handles a whole (coefficient -1) and unbounded members: x0 + x1 - x2 = 0 is not pinned', () => {
    const initial = new Map([
      [0, primary],
      [1, primary],
      [2, complementary],
    ]);
    expect(
      pinnedUnknowns(
        [
          row(
            [
              [0, 1],
              [1, 1],
              [2, -1],
            ],
            0,
          ),
        ],
        initial,
      ),
    ).toEqual(new Set());
  });

  it('propagates across relations: x0 + x1 = 2 pins x1 = 1, then x1 + x2 = 12 pins x2 = 11', () => {
    const initial = new Map([
      [0, primary],
      [1, primary],
      [2, complementary],
    ]);
    const rows = [
      row(
        [
          [0, 1],
          [1, 1],
        ],
        2,
      ),
      row(
        [
          [1, 1],
          [2, 1],
        ],
        12,
      ),
    ];
    expect(pinnedUnknowns(rows, initial)).toEqual(new Set([0, 1, 2]));
  });
});
