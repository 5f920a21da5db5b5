import fc from 'fast-check';
import { Coalescer, CoalescerWaitTimeout } from './coalescer.js';

const tick = () => new Promise((r) => setImmediate(r));

class Refused extends Error {}

/** A recorder of the work a coalescer asks for, with a few ticks of latency per call. */
function recorder(
  options: {
    delay?: number;
    failBatchWith?: (items: readonly number[]) => Error | null;
    failOne?: (n: number) => boolean;
  } = {},
) {
  const calls: { kind: 'one' | 'batch'; items: number[] }[] = [];
  let running = 0;
  let most = 0;
  const during = async <T>(f: () => T): Promise<T> => {
    running += 1;
    most = Math.max(most, running);
    try {
      for (let t = 0; t < (options.delay ?? 2); t++) await tick();
      return f();
    } finally {
      running -= 1;
    }
  };
  return {
    calls,
    most: () => most,
    work: {
      runOne: (n: number) =>
        during(() => {
          calls.push({ kind: 'one', items: [n] });
          if (options.failOne?.(n)) throw new Refused(`item ${n}`);
          return n * 10;
        }),
      runBatch: (items: readonly number[]) =>
        during(() => {
          calls.push({ kind: 'batch', items: [...items] });
          const failure = options.failBatchWith?.(items) ?? null;
          if (failure) throw failure;
          return items.map((n) => n * 10);
        }),
      retryAlone: (error: unknown) => error instanceof Refused,
    },
  };
}

const settle = (promises: Promise<number>[]) =>
  Promise.all(
    promises.map((p) =>
      p.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    ),
  );

describe('Coalescer', () => {
  it('gives every item its own result exactly once, in batches of at most maxBatch, with at most maxInFlight at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
        async (maxInFlight, maxBatch, gaps) => {
          const r = recorder();
          const c = new Coalescer(r.work, { name: 't', maxInFlight, maxBatch, maxWaitMs: 60_000 });
          const promises: Promise<number>[] = [];
          for (const [i, gap] of gaps.entries()) {
            for (let t = 0; t < gap; t++) await tick();
            promises.push(c.submit(i));
          }
          expect(await Promise.all(promises)).toEqual(gaps.map((_, i) => i * 10));
          const ran = r.calls.flatMap((call) => call.items).sort((a, b) => a - b);
          expect(ran).toEqual(gaps.map((_, i) => i)); // each item ran once
          for (const call of r.calls) {
            expect(call.items.length).toBeLessThanOrEqual(maxBatch);
            expect(call.kind).toBe(call.items.length === 1 ? 'one' : 'batch');
          }
          expect(r.most()).toBeLessThanOrEqual(maxInFlight);
          await tick(); // a slot is freed just after its batch's items are answered
          expect(c.stats).toMatchObject({ inFlight: 0, waiting: 0 });
        },
      ),
    );
  });

  it('runs a lone item at once and alone: no waiting for company', async () => {
    const r = recorder();
    const c = new Coalescer(r.work, { name: 't', maxInFlight: 2, maxBatch: 32, maxWaitMs: 60_000 });
    const p = c.submit(7);
    expect(c.stats).toMatchObject({ inFlight: 1, waiting: 0 });
    await expect(p).resolves.toBe(70);
    expect(r.calls).toEqual([{ kind: 'one', items: [7] }]);
  });

  it('batches what arrives while every slot is busy, in arrival order', async () => {
    const r = recorder();
    const c = new Coalescer(r.work, { name: 't', maxInFlight: 1, maxBatch: 3, maxWaitMs: 60_000 });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => c.submit(n)));
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(r.calls).toEqual([
      { kind: 'one', items: [1] },
      { kind: 'batch', items: [2, 3, 4] },
      { kind: 'batch', items: [5, 6] },
    ]);
    expect(c.stats).toMatchObject({ batches: 3, coalesced: 5 });
  });

  it('runs each item of a refused batch again alone, so that only the bad item fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 2, maxLength: 12 }), async (bad) => {
        const r = recorder({
          failBatchWith: (items) => (items.some((n) => bad[n]) ? new Refused('batch') : null),
          failOne: (n) => bad[n],
        });
        const c = new Coalescer(r.work, { name: 't', maxInFlight: 1, maxBatch: 4, maxWaitMs: 60_000 });
        const outcomes = await settle(bad.map((_, i) => c.submit(i)));
        outcomes.forEach((outcome, i) => {
          if (bad[i]) expect(outcome).toMatchObject({ ok: false, error: new Refused(`item ${i}`) });
          else expect(outcome).toEqual({ ok: true, value: i * 10 });
        });
        // The retries too stay within the slots: never more statements at once than maxInFlight.
        expect(r.most()).toBe(1);
      }),
    );
  });

  it('fails every item of a batch with an error that is not a refusal, and never runs them again', async () => {
    const outage = new Error('connection terminated');
    const r = recorder({ failBatchWith: (items) => (items.length > 1 ? outage : null) });
    const c = new Coalescer(r.work, { name: 't', maxInFlight: 1, maxBatch: 8, maxWaitMs: 60_000 });
    const outcomes = await settle([1, 2, 3, 4].map((n) => c.submit(n)));
    expect(outcomes).toEqual([
      { ok: true, value: 10 },
      { ok: false, error: outage },
      { ok: false, error: outage },
      { ok: false, error: outage },
    ]);
    expect(r.calls).toEqual([
      { kind: 'one', items: [1] },
      { kind: 'batch', items: [2, 3, 4] },
    ]);
  });

  it('never runs again a batch that succeeded but answered for the wrong number of items', async () => {
    const calls: number[][] = [];
    const c = new Coalescer<number, number>(
      {
        runOne: async (n) => {
          await tick();
          calls.push([n]);
          return n;
        },
        runBatch: async (items) => {
          await tick();
          calls.push([...items]);
          return [0];
        },
        retryAlone: () => true,
      },
      { name: 't', maxInFlight: 1, maxBatch: 8, maxWaitMs: 60_000 },
    );
    const outcomes = await settle([1, 2, 3].map((n) => c.submit(n)));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, false]);
    expect(calls).toEqual([[1], [2, 3]]);
  });

  it('refuses options that would never run anything', () => {
    const r = recorder();
    expect(() => new Coalescer(r.work, { name: 't', maxInFlight: 0, maxBatch: 1, maxWaitMs: 1 })).toThrow(
      /maxInFlight/,
    );
    expect(() => new Coalescer(r.work, { name: 't', maxInFlight: 1, maxBatch: 1.5, maxWaitMs: 1 })).toThrow(
      /maxBatch/,
    );
    expect(() => new Coalescer(r.work, { name: 't', maxInFlight: 1, maxBatch: 1, maxWaitMs: 0 })).toThrow(
      /maxWaitMs/,
    );
  });

  it('fails what waited maxWaitMs for a slot, never running it, and serves the rest', async () => {
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const ran: number[][] = [];
    const c = new Coalescer<number, number>(
      {
        runOne: async (n) => {
          ran.push([n]);
          if (n === 0) await stalled;
          return n;
        },
        runBatch: async (items) => {
          ran.push([...items]);
          return items.map((n) => n);
        },
        retryAlone: () => true,
      },
      { name: 'slow', maxInFlight: 1, maxBatch: 8, maxWaitMs: 30 },
    );
    const first = c.submit(0);
    const late = settle([1, 2, 3].map((n) => c.submit(n)));
    await new Promise((r) => setTimeout(r, 80));
    const later = c.submit(4); // arrives after the others expired: waits afresh
    release();
    expect(await first).toBe(0);
    const outcomes = await late;
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ ok: false, error: expect.any(CoalescerWaitTimeout) });
    }
    expect(await later).toBe(4);
    expect(ran).toEqual([[0], [4]]);
    expect(c.stats).toMatchObject({ waiting: 0 });
  });

  it('settles every item of a batch even when the work itself fails in an unexpected way', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = new Coalescer<number, number>(
      {
        runOne: async (i) => {
          await gate;
          return i;
        },
        runBatch: () => Promise.reject(Object.assign(new Error('refused'), { code: '23505' })),
        retryAlone: () => {
          throw new Error('a fault of the classifier');
        },
      },
      { name: 't', maxInFlight: 1, maxBatch: 8, maxWaitMs: 60_000 },
    );
    const first = c.submit(0);
    const batch = settle([c.submit(1), c.submit(2)]);
    release();
    expect(await first).toBe(0);
    const outcomes = await batch;
    expect(outcomes.map((o) => o.ok)).toEqual([false, false]);
    await tick();
    expect(c.stats).toMatchObject({ inFlight: 0, waiting: 0 });
    expect(await c.submit(3)).toBe(3); // and the slot is free again
  });
});
