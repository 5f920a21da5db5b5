import fc from 'fast-check';
import {
  bernoulliExp,
  discreteGaussian,
  discreteGaussianPmf,
  discreteLaplace,
  halfWidth95,
  sigmaSquared,
  uniformBelow,
  type RandomBits,
} from './discrete-gaussian.js';
import { seededBits } from './test-bits.js';

/**
 * Pearson's χ² of observed counts against expected probabilities. Cells with expectation < 5 are pooled
 * (with everything beyond `span`) into one cell; while that cell's expectation is still < 5, it is merged
 * with the counted cell of the smallest expectation, so that every cell has the expectation the χ²
 * approximation needs (a pooled tail expecting 0.04 made one sample worth χ² 23).
 */
function chiSquare(observed: Map<number, number>, pmf: (x: number) => number, n: number, span: number) {
  const cells: { seen: number; expected: number }[] = [];
  const pooled = { seen: 0, expected: n };
  for (let x = -span; x <= span; x++) {
    const expected = pmf(x) * n;
    const seen = observed.get(x) ?? 0;
    if (expected < 5) pooled.seen += seen;
    else {
      cells.push({ seen, expected });
      pooled.expected -= expected;
    }
  }
  for (const [x, c] of observed) if (Math.abs(x) > span) pooled.seen += c;
  cells.sort((p, q) => p.expected - q.expected);
  while (pooled.expected < 5 && cells.length > 0) {
    const smallest = cells.shift() as { seen: number; expected: number };
    pooled.seen += smallest.seen;
    pooled.expected += smallest.expected;
  }
  if (pooled.expected > 0) cells.push(pooled);
  const stat = cells.reduce((sum, c) => sum + (c.seen - c.expected) ** 2 / c.expected, 0);
  return { stat, dof: cells.length - 1 };
}

/** Upper critical value of χ²(dof) at p = 0.0001 (Wilson–Hilferty). */
function critical(dof: number): number {
  const z = 3.719;
  return dof * (1 - 2 / (9 * dof) + z * Math.sqrt(2 / (9 * dof))) ** 3;
}

function histogram(n: number, draw: () => number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const x = draw();
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  return counts;
}

const counting = (inner: RandomBits) => {
  let used = 0;
  return {
    source: { bits: (c: number) => ((used += c), inner.bits(c)) },
    used: () => used,
  };
};

describe('discrete Gaussian sampler (exact, integer arithmetic)', () => {
  it('uniformBelow is uniform on 0..m-1 (χ² test) and never leaves the range', () => {
    const random = seededBits(1);
    for (const m of [1, 2, 3, 7, 10, 33]) {
      const counts = histogram(20_000, () => Number(uniformBelow(BigInt(m), random)));
      for (const x of counts.keys()) expect(x >= 0 && x < m).toBe(true);
      if (m > 1) {
        const { stat, dof } = chiSquare(counts, (x) => (x >= 0 && x < m ? 1 / m : 0), 20_000, m);
        expect(stat).toBeLessThan(critical(dof));
      }
    }
  });

  it('bernoulliExp(γ) succeeds with probability exp(-γ) for rational γ, including γ > 1', () => {
    const random = seededBits(2);
    for (const [n, d] of [
      [0n, 1n],
      [1n, 3n],
      [1n, 1n],
      [5n, 2n],
    ] as const) {
      const trials = 20_000;
      let hits = 0;
      for (let i = 0; i < trials; i++) if (bernoulliExp({ n, d }, random)) hits++;
      const p = Math.exp(-Number(n) / Number(d));
      const sd = Math.sqrt((p * (1 - p)) / trials);
      expect(Math.abs(hits / trials - p)).toBeLessThanOrEqual(4.5 * sd + 1e-12);
    }
  });

  it('discrete Laplace(t) has Pr[y] ∝ exp(-|y|/t) (χ² test)', () => {
    const random = seededBits(3);
    for (const t of [1, 3]) {
      const n = 20_000;
      const counts = histogram(n, () => Number(discreteLaplace(BigInt(t), random)));
      const q = Math.exp(-1 / t);
      const pmf = (x: number) => ((1 - q) / (1 + q)) * q ** Math.abs(x);
      const { stat, dof } = chiSquare(counts, pmf, n, 40 * t);
      expect(stat).toBeLessThan(critical(dof));
    }
  });

  it('property: for small σ, samples follow the analytic pmf exp(-x²/2σ²)/Z exactly (χ² test)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.5, 0.8, 1, 1.5, 2, 3, 4.25),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (sigma, seed) => {
          const random = seededBits(seed);
          const n = 12_000;
          const s2 = sigmaSquared(sigma);
          const counts = histogram(n, () => Number(discreteGaussian(s2, random)));
          const { stat, dof } = chiSquare(counts, discreteGaussianPmf(sigma), n, Math.ceil(8 * sigma) + 2);
          expect(stat).toBeLessThan(critical(dof));
        },
      ),
      { numRuns: 8 },
    );
  });

  it('the χ² test has power: σ = 1 samples are rejected against the pmf of σ = 1.2', () => {
    const random = seededBits(9);
    const n = 12_000;
    const counts = histogram(n, () => Number(discreteGaussian(sigmaSquared(1), random)));
    const { stat, dof } = chiSquare(counts, discreteGaussianPmf(1.2), n, 12);
    expect(stat).toBeGreaterThan(critical(dof));
  });

  it('is symmetric with mean 0 and variance ≈ σ² at σ = 10', () => {
    const random = seededBits(4);
    const s2 = sigmaSquared(10);
    const n = 10_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = Number(discreteGaussian(s2, random));
      sum += x;
      sumSq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(4 * (10 / Math.sqrt(n)));
    expect(Math.abs(sumSq / n / 100 - 1)).toBeLessThan(0.06);
  });

  it('is a pure function of the bits it is given: the same bits give the same sample', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.constantFrom(1, 10, 33.5), (seed, sigma) => {
        const a = discreteGaussian(sigmaSquared(sigma), seededBits(seed));
        const b = discreteGaussian(sigmaSquared(sigma), seededBits(seed));
        expect(a).toBe(b);
      }),
      { numRuns: 50 },
    );
  });

  it('known answers: for pinned bits, the samples and the bits consumed are those of the reference implementation', () => {
    // Recorded from the plain BigInt implementation (before its fast paths): 300 draws from fresh seeded
    // sources, then 1,000 from one source; the bits that source consumed, and the length and FNV-1a hash of
    // the samples' text (this module may not use node:crypto).
    const fnv1a = (text: string) => {
      let h = 0x811c9dc5;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
      return h.toString(16).padStart(8, '0');
    };
    const known: [number, string][] = [
      [0.5, '23202 2737 1b6b776b'],
      [1, '27477 3007 44427999'],
      [3, '37266 3199 0c05093d'],
      [10, '67182 3696 9fc1c672'],
      [10.5, '78876 3697 c6ddb14e'],
      [123.456789, '279499 5020 b6c13676'],
      [2000, '155443 6648 85e05f12'],
    ];
    for (const [sigma, expected] of known) {
      const s2 = sigmaSquared(sigma);
      const samples: string[] = [];
      for (let i = 0; i < 300; i++) samples.push(String(discreteGaussian(s2, seededBits(i + 1))));
      const { source, used } = counting(seededBits(4242));
      for (let i = 0; i < 1000; i++) samples.push(String(discreteGaussian(s2, source)));
      const text = samples.join(',');
      expect(`${used()} ${text.length} ${fnv1a(text)}`).toBe(expected);
    }
  });

  it('uses a modest number of random bits per sample at σ = 10', () => {
    const { source, used } = counting(seededBits(5));
    for (let i = 0; i < 1000; i++) discreteGaussian(sigmaSquared(10), source);
    expect(used() / 1000).toBeLessThan(400);
  });

  it('σ² is an exact rational; σ = 0 or more than 6 decimals is refused', () => {
    expect(sigmaSquared(10)).toEqual({ n: 100n, d: 1n });
    expect(sigmaSquared(2.5)).toEqual({ n: 25n, d: 4n });
    expect(() => sigmaSquared(0)).toThrow(RangeError);
    expect(() => sigmaSquared(1.0000001)).toThrow(RangeError);
  });

  it('the 95% half-width is the smallest h with Pr[|X| ≤ h] ≥ 0.95 (≈ 1.96σ)', () => {
    expect(halfWidth95(10)).toBe(20);
    expect(halfWidth95(1)).toBe(2);
    const pmf = discreteGaussianPmf(7);
    const h = halfWidth95(7);
    const mass = (w: number) => [...Array(2 * w + 1).keys()].reduce((a, i) => a + pmf(i - w), 0);
    expect(mass(h)).toBeGreaterThanOrEqual(0.95);
    expect(mass(h - 1)).toBeLessThan(0.95);
  });
});
