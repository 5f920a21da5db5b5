import fc from 'fast-check';
import { ed25519FromSeed, generateKeyBase64, parseKey } from '../crypto/index.js';
import { DIMENSIONS } from './dimensions.js';
import { releaseCsv } from './release-csv.js';
import { signedRelease, type ReleaseFacts } from './release-manifest.js';
import { INLINE_SIGN_MAX_ENTRIES, MAX_QUEUED_JOBS, ReleaseWorkers } from './release-workers.js';

const key = ed25519FromSeed(parseKey('seed', generateKeyBase64()));
const CITIZENSHIP = DIMENSIONS.citizenship.values as string[];
const COUNTRY = DIMENSIONS.countryOfExploitation.values as string[];

const facts = (dimensions: string[], filters: Record<string, unknown> = {}): ReleaseFacts => ({
  queryId: '0b7f5c8e-8d4f-4c3b-9a57-5a1f0d6c2e11',
  query: { dimensions, filters, sigma: 10 },
  k: 11,
  mechanism: { name: 'discrete Gaussian', sigma: 10 },
  rhoCharged: 0.02,
  dataVersion: '2026-12-01/x',
  dataCountedAt: '2026-12-01T11:00:00.000Z',
  releasedAt: '2026-12-01T11:00:00.000Z',
  service: { name: 'ctr-case-api', version: '0.1.0' },
});

const shell = {
  k: 11,
  disclosureControl: {
    statement: 'Counts below k = 11 are not listed.',
    noise: { sigma: 10, halfWidth95: 20 },
  },
  budget: { charged: 0.02, remaining: 0.3, total: 0.35, periodEnd: '2027-06-30' },
  queryId: '0b7f5c8e-8d4f-4c3b-9a57-5a1f0d6c2e11',
};

/** A released answer over citizenship × year with the given listed cells (margins and total alike). */
const listedArb = fc.oneof(
  fc.record({ count: fc.integer({ min: 11, max: 100_000 }), suppressed: fc.constant(false) }),
  fc.constant({ count: null, suppressed: true }),
);
const answerArb = fc
  .uniqueArray(
    fc.record({
      citizenship: fc.constantFrom(...CITIZENSHIP),
      yearOfRegistration: fc.integer({ min: 2000, max: 2025 }),
    }),
    { maxLength: 2 * INLINE_SIGN_MAX_ENTRIES, selector: (c) => `${c.citizenship}|${c.yearOfRegistration}` },
  )
  .chain((places) =>
    fc.record({
      cells: fc
        .tuple(...places.map(() => listedArb))
        .map((listed) => places.map((p, i) => ({ ...p, ...listed[i] }))),
      total: fc.option(listedArb, { nil: undefined }),
    }),
  )
  .map(({ cells, total }) => ({
    ...shell,
    cells,
    margins: {
      citizenship: [...new Set(cells.map((c) => c.citizenship))].map((citizenship) => ({
        citizenship,
        count: 11,
        suppressed: false,
      })),
      yearOfRegistration: [],
    },
    ...(total ? { total } : {}),
  }));

describe('release workers (signing and CSV off the event loop)', () => {
  let workers: ReleaseWorkers;
  beforeAll(() => {
    workers = new ReleaseWorkers();
  });
  afterAll(async () => {
    await workers.onApplicationShutdown();
  });

  it('sign gives byte for byte the manifest and text of signedRelease, in the worker and inline alike', async () => {
    await fc.assert(
      fc.asyncProperty(answerArb, async (answer) => {
        const f = facts(['citizenship', 'yearOfRegistration']);
        const expected = signedRelease(answer, f, key);
        const got = await workers.sign(answer, f, key);
        expect(got.text).toBe(expected.text);
        expect(got.manifest).toEqual(expected.manifest);
      }),
      { numRuns: 25 },
    );
  });

  it('csv gives byte for byte the UTF-8 of releaseCsv, for any released answer', async () => {
    await fc.assert(
      fc.asyncProperty(answerArb, async (answer) => {
        const { text } = signedRelease(answer, facts(['citizenship', 'yearOfRegistration']), key);
        expect((await workers.csv(text)).equals(Buffer.from(releaseCsv(text), 'utf8'))).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it('a 630,000-row CSV renders in the worker, same bytes, while the event loop keeps turning', async () => {
    const years = Array.from({ length: 10 }, (_, i) => 2015 + i);
    const cells = [];
    for (let i = 0; i < 6000; i++) {
      cells.push({
        citizenship: CITIZENSHIP[(i * 7) % CITIZENSHIP.length],
        countryOfExploitation: COUNTRY[(i * 13) % COUNTRY.length],
        yearOfRegistration: years[i % 10],
        count: i % 5 === 0 ? null : 11 + i,
        suppressed: i % 5 === 0,
      });
    }
    const unique = [...new Map(cells.map((c) => [JSON.stringify(Object.values(c).slice(0, 3)), c])).values()];
    const answer = {
      ...shell,
      cells: unique,
      margins: { citizenship: [], countryOfExploitation: [], yearOfRegistration: [] },
    };
    const { text } = signedRelease(
      answer,
      facts(['citizenship', 'countryOfExploitation', 'yearOfRegistration'], { yearOfRegistration: years }),
      key,
    );
    let turns = 0;
    let rendered = false;
    const spin = () => {
      turns++;
      if (!rendered) setImmediate(spin);
    };
    const pending = workers.csv(text);
    setImmediate(spin);
    const bytes = await pending;
    rendered = true;
    // Rendered inline, the loop could not turn until it was done (the first setImmediate would come after).
    expect(turns).toBeGreaterThan(10);
    expect(bytes.equals(Buffer.from(releaseCsv(text), 'utf8'))).toBe(true);
    expect(
      bytes
        .toString('utf8')
        .split('\r\n')
        .filter((l) => l.startsWith('cell,')),
    ).toHaveLength(251 * 251 * 10);
  });

  it('beyond its queue a render is refused at once with 503 SERVICE_BUSY and Retry-After; the queued ones finish', async () => {
    const answer = { ...shell, cells: [], margins: { citizenship: [], countryOfExploitation: [] } };
    const { text } = signedRelease(answer, facts(['citizenship', 'countryOfExploitation']), key);
    const results = await Promise.allSettled(
      Array.from({ length: MAX_QUEUED_JOBS + 8 }, () => workers.csv(text)),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: 'SERVICE_BUSY',
        headers: { 'Retry-After': '5' },
      });
    }
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(MAX_QUEUED_JOBS);
  });
});
