/**
 * A small bounded pool of worker threads for CPU-heavy pure work that must not block the event loop (the CSV of
 * a large aggregate answer, signing and serializing its release). Nest-free.
 *
 * - At most `size` workers, started on first use; requests beyond wait in a FIFO queue of at most `maxQueue`
 *   (beyond it a request is refused at once with WorkerPoolBusyError: a flood of cheap requests cannot queue up
 *   unbounded work).
 * - A job still running `timeoutMs` after it was handed to a worker is abandoned: the worker is terminated
 *   (and replaced on the next job) and the promise rejects with WorkerTimeoutError, so a runaway job never
 *   holds a thread. A worker that dies rejects its job the same way (WorkerFailedError).
 * - `close()` rejects what is queued or running and terminates every worker (application shutdown, tests);
 *   a pool used again afterwards starts new workers.
 * - Workers run at a lower CPU priority (nice 10, Linux): on a busy machine the event loop's thread (and the
 *   database) get the cores first, so a heavy job slows itself rather than every other request. A job may
 *   carry a deadline (its time budget, waiting included).
 * - The worker script is a module that calls `serveWorker(handler)`. `script` names it as it sits next to
 *   the caller in the build (`new URL('./x-worker.js', import.meta.url)`); under the test runner the sources
 *   are TypeScript, and the worker is started on the `.ts` file with a small loader that compiles TypeScript
 *   with @swc/core (test/ts-worker-hooks.mjs).
 */
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, Worker, type Transferable } from 'node:worker_threads';

/** The niceness of pool workers: below the event loop's thread (0), above nothing else that matters. */
export const WORKER_NICE = 10;

export class WorkerTimeoutError extends Error {
  override readonly name = 'WorkerTimeoutError';
}

export class WorkerFailedError extends Error {
  override readonly name = 'WorkerFailedError';
}

export class WorkerPoolBusyError extends Error {
  override readonly name = 'WorkerPoolBusyError';
}

/** One worker per spare core, at least 1, at most `max`. */
export const spareCores = (max: number): number => Math.max(1, Math.min(max, os.availableParallelism() - 1));

interface Job {
  message: unknown;
  transfer: readonly Transferable[];
  /** Epoch ms: the job is refused if it has not started by then, and abandoned `graceMs` after it. */
  deadline?: number;
  graceMs: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job & { id: number; timer: NodeJS.Timeout };
}

type Reply = { id: number; result: unknown } | { id: number; error: { name: string; message: string } };

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(
    private readonly options: {
      /** Names the pool in errors ("release worker"). */
      name: string;
      script: URL;
      size: number;
      timeoutMs: number;
      /** Jobs that may wait for a worker (unbounded when unset). */
      maxQueue?: number;
    },
  ) {}

  /**
   * Runs one job in a worker: resolves with what the worker's handler returned. With a `deadline` (epoch ms),
   * a job still queued at its deadline is refused, and one still running `graceMs` after it is abandoned
   * (WorkerTimeoutError both), so that time spent waiting counts against the job's own budget.
   */
  run<T>(
    message: unknown,
    transfer: readonly Transferable[] = [],
    budget: { deadline?: number; graceMs?: number } = {},
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const idle = this.slots.some((s) => !s.job) || this.slots.length < this.options.size;
      if (!idle && this.queue.length >= (this.options.maxQueue ?? Infinity)) {
        reject(new WorkerPoolBusyError(`${this.options.name}s are busy: ${this.queue.length} jobs waiting`));
        return;
      }
      this.queue.push({
        message,
        transfer,
        deadline: budget.deadline,
        graceMs: budget.graceMs ?? 0,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  /** Rejects every queued and running job and terminates every worker. */
  async close(): Promise<void> {
    const closed = () => new WorkerFailedError(`${this.options.name} pool closed`);
    for (const job of this.queue.splice(0)) job.reject(closed());
    const all = this.slots.splice(0);
    for (const slot of all) {
      slot.worker.removeAllListeners('exit');
      slot.worker.removeAllListeners('error');
      if (slot.job) {
        clearTimeout(slot.job.timer);
        slot.job.reject(closed());
      }
    }
    await Promise.all(all.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const { url, execArgv } = workerEntry(this.options.script);
    const slot: Slot = { worker: new Worker(url, { execArgv }) };
    slot.worker.unref();
    slot.worker.on('message', (reply: Reply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      clearTimeout(job.timer);
      slot.job = undefined;
      if ('result' in reply) job.resolve(reply.result);
      else job.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      this.pump();
    });
    slot.worker.on('error', (error) =>
      this.replace(slot, new WorkerFailedError(`${this.options.name} failed: ${error.message}`)),
    );
    slot.worker.on('exit', () => this.replace(slot, new WorkerFailedError(`${this.options.name} exited`)));
    return slot;
  }

  /** Drops a dead or runaway worker, rejecting its job; the next job starts a fresh one. */
  private replace(slot: Slot, error: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(error);
    }
    slot.worker.removeAllListeners('exit');
    void slot.worker.terminate();
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.options.size) this.slots.push((slot = this.spawn()));
      if (!slot) return;
      const job = this.queue.shift() as Job;
      if (job.deadline !== undefined && Date.now() >= job.deadline) {
        job.reject(new WorkerTimeoutError(`${this.options.name}: the job's deadline passed while it waited`));
        continue;
      }
      const id = this.nextId++;
      const busy = slot;
      const ms =
        job.deadline === undefined
          ? this.options.timeoutMs
          : Math.min(this.options.timeoutMs, job.deadline - Date.now() + job.graceMs);
      const timer = setTimeout(
        () => this.replace(busy, new WorkerTimeoutError(`${this.options.name} ran over ${ms} ms`)),
        ms,
      );
      timer.unref();
      slot.job = { ...job, id, timer };
      slot.worker.postMessage({ id, message: job.message }, job.transfer);
    }
  }
}

/** The worker's entry: the built `.js` file, or under the test runner its `.ts` source with the swc loader. */
function workerEntry(script: URL): { url: URL; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts')) return { url: script, execArgv: [] };
  return {
    url: new URL(script.href.replace(/\.js$/, '.ts')),
    execArgv: ['--import', new URL('../../test/ts-worker-register.mjs', import.meta.url).href],
  };
}

/**
 * Lowers the CPU priority of the calling thread (a worker: the thread alone, not the process) to `nice`.
 * Linux only (/proc/thread-self names the thread's id, which setpriority takes); elsewhere, and where it is
 * refused, the thread keeps its priority.
 */
export function lowerThreadPriority(nice = WORKER_NICE): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && os.getPriority(tid) < nice) os.setPriority(tid, nice);
  } catch {
    // not Linux, or not allowed: run at the normal priority
  }
}

/**
 * The worker side: answers each job with `handler(message)` (its result, and what to transfer rather than
 * copy), or with the error's name and message. At a lowered priority (lowerThreadPriority) unless
 * `lowerPriority: false` (work with a wall-clock budget, which a busy machine would otherwise eat).
 */
export function serveWorker(
  handler: (message: never) => { result: unknown; transfer?: readonly Transferable[] },
  options: { lowerPriority?: boolean } = {},
): void {
  if (options.lowerPriority ?? true) lowerThreadPriority();
  parentPort?.on('message', ({ id, message }: { id: number; message: never }) => {
    try {
      const { result, transfer } = handler(message);
      parentPort?.postMessage({ id, result }, transfer ?? []);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      parentPort?.postMessage({ id, error: { name: e.name, message: e.message } });
    }
  });
}
