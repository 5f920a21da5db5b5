/**
 * Measures the privacy/utility trade-off of the aggregate defaults (docs/DISCLOSURE.md), in-process, with
 * the real pure modules: the exact discrete Gaussian sampler, the zCDP accounting, the uniform withholding
 * and the listing rule. No database: the counts come from 100,000 synthetic CTDC-like cases.
 *
 * 1. Privacy: an attacker who spends a whole default budget on ONE survivor's presence (a count of 0 vs 1),
 *    with the best strategies the API allows, guesses the exact count with probability ≤ 1/3; spread over
 *    five planted survivors, about one in five.
 * 2. Utility: within the default budget, how many citizenship × year panels (cells, both margins, total) at
 *    the default accuracy fit, and what share of the cells with a true count ≥ 200 each releases within ±10%.
 *
 * Run `npm run bench:disclosure`; results are appended to bench/results/disclosure.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBitSource } from '../src/crypto/index.js';
import {
  answerRhoNano,
  decideCharge,
  discreteGaussian,
  discreteGaussianPmf,
  halfWidth95,
  listCount,
  NANO,
  sigmaSquared,
  withholdUniformly,
  type TableInput,
} from '../src/disclosure/index.js';
import { parseEnv } from '../src/config/env.schema.js';

const env = parseEnv({});
const K = env.K_ANONYMITY_THRESHOLD;
const BUDGET = env.AGGREGATE_RESEARCHER_BUDGET_RHO;
const SIGMA = env.AGGREGATE_DEFAULT_SIGMA;
const CASES = 100_000;
const YEARS = Array.from({ length: 10 }, (_, i) => 2015 + i);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 20_000);

const random = randomBitSource();
const noise = (sigma: number) => {
  const s2 = sigmaSquared(sigma);
  return () => Number(discreteGaussian(s2, random));
};

/** A seeded uniform in [0, 1) for the synthetic population (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 100,000 CTDC-like cases: citizenship over 120 countries with a Zipf(1.1) profile (CTDC is dominated by a
 * few countries of origin and has a long tail), registration years 2015–2024 growing ~8% a year.
 */
function population(): { citizenship: string; year: number }[] {
  const rnd = uniform(20261201);
  const countries = Array.from({ length: 120 }, (_, i) => `C${String(i).padStart(3, '0')}`);
  const weights = countries.map((_, i) => 1 / (i + 1) ** 1.1);
  const yearWeights = YEARS.map((_, i) => 1.08 ** i);
  const pick = (w: number[]) => {
    const total = w.reduce((a, b) => a + b, 0);
    let u = rnd() * total;
    for (let i = 0; i < w.length; i++) if ((u -= w[i]) < 0) return i;
    return w.length - 1;
  };
  return Array.from({ length: CASES }, () => ({
    citizenship: countries[pick(weights)],
    year: YEARS[pick(yearWeights)],
  }));
}

function panel(cases: { citizenship: string; year: number }[]): { input: TableInput; domain: number[] } {
  const cells = new Map<string, { values: [string, number]; count: number }>();
  const rows = new Map<string, number>();
  const cols = new Map<number, number>();
  for (const c of cases) {
    const key = `${c.citizenship}|${c.year}`;
    const cell = cells.get(key) ?? { values: [c.citizenship, c.year], count: 0 };
    cell.count++;
    cells.set(key, cell);
    rows.set(c.citizenship, (rows.get(c.citizenship) ?? 0) + 1);
    cols.set(c.year, (cols.get(c.year) ?? 0) + 1);
  }
  return {
    input: {
      dimensions: ['citizenship', 'yearOfRegistration'],
      multiValued: [false, false],
      cells: [...cells.values()],
      margins: [
        [...rows].map(([value, count]) => ({ value, count })),
        [...cols].map(([value, count]) => ({ value, count })),
      ],
      total: { count: cases.length },
    },
    // The citizenship code list has ~250 codes; the year filter is 2015–2024.
    domain: [250, YEARS.length],
  };
}

function measureUtility(): Record<string, unknown> {
  const dims = [
    { name: 'citizenship', maxValuesPerCase: 1 },
    { name: 'yearOfRegistration', maxValuesPerCase: 1 },
  ];
  const cost = answerRhoNano(dims, SIGMA);
  let ledger = { spentNano: 0, totalNano: Math.round(BUDGET * NANO) };
  let panels = 0;
  for (;;) {
    const d = decideCharge(cost, ledger, null);
    if (!d.allowed) break;
    ledger = d.researcher;
    panels++;
  }
  const { input, domain } = panel(population());
  const started = Date.now();
  const decided = withholdUniformly(input, K, domain);
  const withholdMs = Date.now() - started;
  const large = input.cells.map((c, i) => ({ c, d: decided.cells[i] })).filter(({ c }) => c.count >= 200);
  const shares: number[] = [];
  const draw = noise(SIGMA);
  const sampleStarted = Date.now();
  let samples = 0;
  for (let p = 0; p < panels; p++) {
    let good = 0;
    for (const { c, d } of large) {
      const listed = listCount(c.count, d, K, () => (samples++, draw()));
      if (listed && !listed.suppressed && Math.abs(listed.count - c.count) <= 0.1 * c.count) good++;
    }
    shares.push(good / large.length);
  }
  const sampleUs = ((Date.now() - sampleStarted) * 1000) / Math.max(1, samples);
  return {
    sigma: SIGMA,
    halfWidth95: halfWidth95(SIGMA),
    rhoPerPanel: cost / NANO,
    panelsWithinBudget: panels,
    cells: input.cells.length,
    cellsAtLeast200: large.length,
    withheldAmongThem: large.filter(({ d }) => d.suppressed).length,
    shareWithin10PctPerPanel: {
      min: Math.min(...shares),
      mean: shares.reduce((a, b) => a + b, 0) / shares.length,
    },
    withholdMs,
    microsecondsPerNoiseSample: Number(sampleUs.toFixed(1)),
  };
}

/** P(exact) of an attacker who spends ρ on one count of 0 or 1 (a survivor present or not). */
function measureAttack(rho: number, trials: number): Record<string, number> {
  // (a) One query at the smallest σ the budget buys (Δ = 1): σ² = 1/(2ρ). Exact iff the noise is 0.
  const sigmaOne = Math.sqrt(1 / (2 * rho));
  const single = discreteGaussianPmf(sigmaOne)(0);
  // (b) Averaging: n queries at σ = 10 (the default), mean rounded. Spends n/(2·100) ≤ ρ.
  const n = Math.floor(rho * 2 * SIGMA * SIGMA);
  const draw = noise(SIGMA);
  let exactAveraging = 0;
  const truth = 1;
  for (let t = 0; t < trials / 20; t++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += truth + draw();
    if (Math.round(sum / n) === truth) exactAveraging++;
  }
  // (c) Tracker pairs: total(X ∪ S_i) − total(X ∪ S_i without the rare value), n/2 pairs at σ = 10.
  let exactPairs = 0;
  for (let t = 0; t < trials / 20; t++) {
    let sum = 0;
    for (let i = 0; i < Math.floor(n / 2); i++) sum += truth + draw() - draw();
    if (Math.round(sum / Math.floor(n / 2)) === truth) exactPairs++;
  }
  // The bound of DISCLOSURE.md: the best unbiased estimate from ρ has sd ≥ 1/sqrt(2ρ); rounding a Gaussian.
  const sd = 1 / Math.sqrt(2 * rho);
  const erf = (x: number) => {
    const t = 1 / (1 + 0.3275911 * Math.abs(x));
    const y =
      1 -
      ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
        t *
        Math.exp(-x * x);
    return x >= 0 ? y : -y;
  };
  return {
    rho,
    singleQuerySigma: Number(sigmaOne.toFixed(3)),
    pExactSingleQuery: Number(single.toFixed(4)),
    averagingQueries: n,
    pExactAveraging: Number((exactAveraging / (trials / 20)).toFixed(4)),
    pExactTrackerPairs: Number((exactPairs / (trials / 20)).toFixed(4)),
    pExactGaussianBound: Number(erf(0.5 / (sd * Math.SQRT2)).toFixed(4)),
  };
}

function main(): void {
  const started = Date.now();
  const oneSurvivor = measureAttack(BUDGET, TRIALS);
  const fiveSurvivors = measureAttack(BUDGET / 5, TRIALS);
  const utility = measureUtility();
  const result = {
    at: new Date().toISOString(),
    host: `${os.cpus().length} cpu ${os.cpus()[0]?.model ?? ''}`.trim(),
    node: process.version,
    defaults: { k: K, budgetRho: BUDGET, sigma: SIGMA },
    privacy: {
      wholeBudgetOnOneSurvivor: oneSurvivor,
      budgetSpreadOverFive: {
        ...fiveSurvivors,
        expectedExactOfFive: Number((5 * fiveSurvivors.pExactSingleQuery).toFixed(2)),
      },
    },
    utility,
    seconds: (Date.now() - started) / 1000,
  };
  const text = JSON.stringify(result, null, 2);
  console.log(text);
  const file = path.join('bench', 'results', 'disclosure.md');
  fs.appendFileSync(
    file,
    `\n## ${result.at}\n\n\`npm run bench:disclosure\`\n\n\`\`\`json\n${text}\n\`\`\`\n`,
  );
}

main();
