import fc from 'fast-check';
import pg from 'pg';
import {
  problemSeq,
  readSnapshot,
  walkStripes,
  type ChainSnapshot,
  type StripeProblem,
} from '../../src/audit/stripe-walk.js';
import { startServiceTier, type ServiceTier } from './service-tier.js';

/**
 * The full walk of the stripes (verify) on the real database: each seq range's statement sends back only
 * the rows that need a look (the first and last of each stripe, and the broken ones), and the walk links
 * the rest across ranges. Whatever the tampering, the answer must not depend on where the ranges are cut,
 * and must name the seq that was tampered with.
 */

const STRIPES_USED = 4;
const EVENTS = 120;

describe('walkStripes, the full walk cut into seq ranges (service tier, real database)', () => {
  let tier: ServiceTier;
  let client: pg.Client;

  const query = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows;

  /** What verify reports: the lowest seq any problem names (null: the chain is intact). */
  const firstBad = async (problems: StripeProblem[]): Promise<number | null> =>
    problems.length === 0
      ? null
      : Math.min(...(await Promise.all(problems.map((p) => problemSeq(query, p)))));

  const walk = async (snapshot: ChainSnapshot, pins: Map<number, string>[], batch: number) => {
    const result = await walkStripes([client], snapshot, pins, batch);
    return { checked: result.checked, firstBad: await firstBad(result.problems), heads: result.heads };
  };

  /** Inside a transaction rolled back afterwards: `tamper` as the superuser with the append-only triggers off. */
  const tampered = async <T>(tamper: () => Promise<unknown>, look: () => Promise<T>): Promise<T> => {
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL session_replication_role = replica`);
      await tamper();
      return await look();
    } finally {
      await client.query('ROLLBACK');
    }
  };

  const eventsOf = async () =>
    (await query(
      `SELECT seq::int, stripe::int, stripe_seq::int, hash FROM audit_events WHERE stripe IS NOT NULL ORDER BY seq`,
    )) as { seq: number; stripe: number; stripe_seq: number; hash: string }[];

  beforeAll(async () => {
    tier = await startServiceTier();
    client = new pg.Client({ connectionString: tier.config.env.DATABASE_URL });
    await client.connect();
    for (let i = 0; i < EVENTS; i++) {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('ctr.audit_stripe', $1, true)`, [String((i * 7) % STRIPES_USED)]);
      await client.query(
        `SELECT audit_append_v2(NULL, NULL, 'auth.logout', 'case', $1, '{}'::text[], 'allowed', 'walk', NULL,
           jsonb_build_object('n', $2::int))`,
        [`r${i}`, i],
      );
      await client.query('COMMIT');
    }
  });
  afterAll(async () => {
    await client.end();
    await tier.close();
  });

  const noPins = () => Array.from({ length: 16 }, () => new Map<number, string>());

  it('an intact chain walks to the same heads, counting every event, however the ranges are cut', async () => {
    const snapshot = await readSnapshot(query);
    const events = await eventsOf();
    const whole = await walk(snapshot, noPins(), 1_000_000);
    expect(whole.firstBad).toBeNull();
    expect(whole.checked).toBe(events.length);
    for (const batch of [1, 2, 5, 13]) expect(await walk(snapshot, noPins(), batch)).toEqual(whole);
    // The heads are each stripe's newest event.
    for (const head of whole.heads.filter((h) => h.stripeSeq > 0)) {
      expect(events.findLast((e) => e.stripe === head.stripe)).toMatchObject({
        seq: head.seq,
        stripe_seq: head.stripeSeq,
        hash: head.hash,
      });
    }
  });

  it('a deleted, altered or re-sequenced event is reported at its seq, with any cut of the ranges', async () => {
    const events = await eventsOf();
    const middle = events.slice(4, -2 * STRIPES_USED); // none the newest of its stripe
    const tampering = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.constantFrom(...middle) }),
      fc.record({ kind: fc.constant('update' as const), at: fc.constantFrom(...middle) }),
      fc.record({
        kind: fc.constant('swap' as const),
        at: fc.constantFrom(...middle),
        other: fc.constantFrom(...middle),
      }),
    );
    await fc.assert(
      fc.asyncProperty(tampering, fc.constantFrom(1, 3, 7, 16), async (t, batch) => {
        const expected = t.kind === 'swap' ? Math.min(t.at.seq, t.other.seq) : t.at.seq;
        if (t.kind === 'swap' && t.at.stripe === t.other.stripe) return; // one stripe: a reordering, below
        await tampered(
          async () => {
            if (t.kind === 'delete') await query(`DELETE FROM audit_events WHERE seq = $1`, [t.at.seq]);
            if (t.kind === 'update') {
              await query(`UPDATE audit_events SET resource_id = 'forged' WHERE seq = $1`, [t.at.seq]);
            }
            if (t.kind === 'swap' && t.at.seq !== t.other.seq) {
              await query(`UPDATE audit_events SET seq = -1 WHERE seq = $1`, [t.at.seq]);
              await query(`UPDATE audit_events SET seq = $1 WHERE seq = $2`, [t.at.seq, t.other.seq]);
              await query(`UPDATE audit_events SET seq = $1 WHERE seq = -1`, [t.other.seq]);
            }
          },
          async () => {
            const snapshot = await readSnapshot(query);
            const whole = await walk(snapshot, noPins(), 1_000_000);
            const cut = await walk(snapshot, noPins(), batch);
            expect(cut.firstBad).toBe(whole.firstBad);
            expect(whole.firstBad).toBe(t.kind === 'swap' && t.at.seq === t.other.seq ? null : expected);
          },
        );
      }),
      { numRuns: 40 },
    );
  });

  it('two events of one stripe swapped in seq order are reported at the lower seq, with any cut', async () => {
    const events = await eventsOf();
    const stripe = events.filter((e) => e.stripe === 1);
    const pairs = stripe.slice(1, -2).map((e, i) => [e, stripe[i + 2]] as const);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...pairs), fc.constantFrom(1, 3, 7, 16), async ([a, b], batch) => {
        await tampered(
          async () => {
            await query(`UPDATE audit_events SET seq = -1 WHERE seq = $1`, [a.seq]);
            await query(`UPDATE audit_events SET seq = $1 WHERE seq = $2`, [a.seq, b.seq]);
            await query(`UPDATE audit_events SET seq = $1 WHERE seq = -1`, [b.seq]);
          },
          async () => {
            const snapshot = await readSnapshot(query);
            const whole = await walk(snapshot, noPins(), 1_000_000);
            expect(whole.firstBad).toBe(a.seq);
            expect((await walk(snapshot, noPins(), batch)).firstBad).toBe(a.seq);
          },
        );
      }),
      { numRuns: 15 },
    );
  });

  it('a place a checkpoint signed with another hash is reported after the newest place still vouched for', async () => {
    const events = await eventsOf();
    const stripe = events.filter((e) => e.stripe === 2);
    const snapshot = await readSnapshot(query);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: stripe.length - 1 }),
        fc.integer({ min: 2, max: stripe.length }),
        fc.constantFrom(1, 3, 7, 16),
        async (good, bad, batch) => {
          fc.pre(good < bad);
          const pins = noPins();
          pins[2].set(good, stripe[good - 1].hash);
          pins[2].set(bad, 'f'.repeat(64));
          const whole = await walk(snapshot, pins, 1_000_000);
          // The first event after the newest place that still matches: the one at stripe_seq good + 1.
          expect(whole.firstBad).toBe(stripe[good].seq);
          expect((await walk(snapshot, pins, batch)).firstBad).toBe(whole.firstBad);
          // Signed as stored: nothing to report.
          pins[2].set(bad, stripe[bad - 1].hash);
          expect((await walk(snapshot, pins, batch)).firstBad).toBeNull();
        },
      ),
      { numRuns: 20 },
    );
  });
});
