import os from 'node:os';
import {
  WORKER_NICE,
  WorkerFailedError,
  WorkerPool,
  WorkerPoolBusyError,
  WorkerTimeoutError,
} from './worker-pool.js';

const pool = (options: { size?: number; timeoutMs?: number; maxQueue?: number } = {}) =>
  new WorkerPool({
    name: 'test worker',
    script: new URL('../../test/workers/busy-worker.js', import.meta.url),
    size: options.size ?? 1,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxQueue: options.maxQueue,
  });

describe('worker pool', () => {
  it("answers each job with the worker's result, in order, at most `size` at a time", async () => {
    const p = pool({ size: 2 });
    try {
      const values = await Promise.all(['a', 'b', 'c', 'd'].map((value) => p.run<string>({ ms: 20, value })));
      expect(values).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      await p.close();
    }
  });

  it("rejects with the worker's error name and message, and the worker serves the next job", async () => {
    const p = pool();
    try {
      await expect(p.run({ ms: 0, fail: 'no such grid' })).rejects.toMatchObject({
        name: 'RangeError',
        message: 'no such grid',
      });
      await expect(p.run({ ms: 0, value: 'next' })).resolves.toBe('next');
    } finally {
      await p.close();
    }
  });

  it('a runaway job is abandoned at its timeout (its worker terminated); the pool serves the next job', async () => {
    const p = pool({ timeoutMs: 200 });
    try {
      await expect(p.run({ ms: 5_000 })).rejects.toBeInstanceOf(WorkerTimeoutError);
      await expect(p.run({ ms: 0, value: 'after' })).resolves.toBe('after');
    } finally {
      await p.close();
    }
  });

  it('a deadline counts the wait: a job still queued at it is refused unrun, one running past it (+ grace) abandoned', async () => {
    const p = pool({ size: 1 });
    try {
      const first = p.run<string>({ ms: 400, value: 'first' });
      const started = Date.now();
      // Queued behind a 400 ms job with a 100 ms deadline: refused when the worker frees up, never run.
      await expect(
        p.run({ ms: 0, value: 'late' }, [], { deadline: Date.now() + 100 }),
      ).rejects.toBeInstanceOf(WorkerTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      await expect(first).resolves.toBe('first');
      // Running: abandoned at deadline + grace, long before its 5 s.
      const t0 = Date.now();
      await expect(
        p.run({ ms: 5_000 }, [], { deadline: Date.now() + 100, graceMs: 100 }),
      ).rejects.toBeInstanceOf(WorkerTimeoutError);
      expect(Date.now() - t0).toBeLessThan(4_000);
      await expect(p.run({ ms: 0, value: 'after' }, [], { deadline: Date.now() + 5_000 })).resolves.toBe(
        'after',
      );
    } finally {
      await p.close();
    }
  });

  it('close rejects what is queued and running; the pool starts afresh when used again', async () => {
    const p = pool();
    const running = p.run({ ms: 2_000 });
    const queued = p.run({ ms: 0 });
    await p.close();
    await expect(running).rejects.toBeInstanceOf(WorkerFailedError);
    await expect(queued).rejects.toBeInstanceOf(WorkerFailedError);
    await expect(p.run({ ms: 0, value: 'again' })).resolves.toBe('again');
    await p.close();
  });

  it('runs its workers at a lower CPU priority than the event loop (Linux)', async () => {
    const p = pool();
    try {
      const nice = await p.run<number | null>({ ms: 0, nice: true });
      // A process already niced further keeps its own priority in its workers.
      if (process.platform === 'linux') expect(nice).toBe(Math.max(WORKER_NICE, os.getPriority(0)));
    } finally {
      await p.close();
    }
  });

  it('refuses a job at once when `maxQueue` jobs already wait for a busy worker', async () => {
    const p = pool({ maxQueue: 2 });
    try {
      const accepted = [
        p.run({ ms: 300, value: 'a' }),
        p.run({ ms: 0, value: 'b' }),
        p.run({ ms: 0, value: 'c' }),
      ];
      await expect(p.run({ ms: 0, value: 'd' })).rejects.toBeInstanceOf(WorkerPoolBusyError);
      await expect(Promise.all(accepted)).resolves.toEqual(['a', 'b', 'c']);
      await expect(p.run({ ms: 0, value: 'e' })).resolves.toBe('e');
    } finally {
      await p.close();
    }
  });
});
