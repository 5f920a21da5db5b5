import { jest } from '@jest/globals';
import fc from 'fast-check';
import { ConcurrencyLimit, ConcurrencyLimitBusy } from './concurrency-limit.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};
const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimit', () => {
  it('never runs more than `concurrency` jobs at once, and runs every accepted job in arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }),
        async (concurrency, delays) => {
          const limit = new ConcurrencyLimit({ name: 't', concurrency, maxQueue: 1_000, maxWaitMs: 60_000 });
          let running = 0;
          let most = 0;
          const started: number[] = [];
          await Promise.all(
            delays.map((delay, i) =>
              limit.run(async () => {
                started.push(i);
                running += 1;
                most = Math.max(most, running);
                for (let t = 0; t < delay; t++) await tick();
                running -= 1;
              }),
            ),
          );
          expect(most).toBeLessThanOrEqual(concurrency);
          expect(started).toEqual(delays.map((_, i) => i));
          expect(limit.load).toEqual({ running: 0, waiting: 0 });
        },
      ),
    );
  });

  it('refuses a job beyond the queue at once, without running it', async () => {
    const limit = new ConcurrencyLimit({ name: 't', concurrency: 1, maxQueue: 1, maxWaitMs: 60_000 });
    const gate = deferred();
    const first = limit.run(() => gate.promise);
    const second = limit.run(async () => 'second');
    let ran = false;
    await expect(
      limit.run(async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(ConcurrencyLimitBusy);
    expect(ran).toBe(false);
    gate.resolve();
    await first;
    await expect(second).resolves.toBe('second');
  });

  it('refuses a job still waiting at its deadline, and its slot goes to the next', async () => {
    jest.useFakeTimers();
    try {
      const limit = new ConcurrencyLimit({ name: 't', concurrency: 1, maxQueue: 10, maxWaitMs: 1_000 });
      const gate = deferred();
      const first = limit.run(() => gate.promise);
      const late = limit.run(async () => 'late');
      jest.advanceTimersByTime(1_001);
      await expect(late).rejects.toBeInstanceOf(ConcurrencyLimitBusy);
      const next = limit.run(async () => 'next');
      expect(limit.load).toEqual({ running: 1, waiting: 1 });
      gate.resolve();
      await first;
      await expect(next).resolves.toBe('next');
      expect(limit.load).toEqual({ running: 0, waiting: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('frees the slot when a job fails', async () => {
    const limit = new ConcurrencyLimit({ name: 't', concurrency: 1, maxQueue: 10, maxWaitMs: 60_000 });
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(async () => 7)).resolves.toBe(7);
    expect(limit.load).toEqual({ running: 0, waiting: 0 });
  });
});
