/**
 * protectTableAsync: protectTable off the event loop, in a small bounded pool of worker threads, with a time
 * budget per answer. Nest-free; the aggregates service awaits it.
 *
 * - At most `POOL_SIZE` workers (one per spare core, at least 1, at most 4); requests beyond wait in a FIFO queue.
 * - The budget runs from the call (queueing included). The worker checks it between rounds of the planner and
 *   refuses; a worker still busy `GRACE_MS` after the budget is terminated (and replaced), so a runaway answer
 *   never holds a thread. Either way the promise rejects with DisclosureRefusal('time-budget').
 * - The worker file is `protect-worker.js` next to this module in the build (dist/); under the test runner the
 *   sources are TypeScript, and the worker is started on `protect-worker.ts` with a small loader that
 *   compiles TypeScript with @swc/core (test/ts-worker-hooks.mjs).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { DisclosureInputError, DisclosureRefusal, type RefusalReason } from './errors.js';
import type { ProtectedTable, TableInput } from './types.js';
import { decisionsFromWire, tableToWire, type WireDecisions } from './wire.js';

export const DEFAULT_BUDGET_MS = 2000;
const GRACE_MS = 250;
export const POOL_SIZE = Math.max(1, Math.min(4, os.availableParallelism() - 1));

interface Job {
  input: ReturnType<typeof tableToWire>;
  k: number;
  deadline: number;
  resolve: (table: ProtectedTable) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job & { id: number; timer: NodeJS.Timeout };
}

type Reply =
  | { id: number; table: WireDecisions }
  | { id: number; error: { name: string; message: string; reason?: RefusalReason; input: boolean } };

const isTypeScript = import.meta.url.endsWith('.ts');

function workerUrl(): { url: URL; execArgv: string[] } {
  if (!isTypeScript) return { url: new URL('./protect-worker.js', import.meta.url), execArgv: [] };
  return {
    url: new URL('./protect-worker.ts', import.meta.url),
    execArgv: ['--import', new URL('../../test/ts-worker-register.mjs', import.meta.url).href],
  };
}

const slots: Slot[] = [];
const queue: Job[] = [];
let nextId = 1;

function spawn(): Slot {
  const { url, execArgv } = workerUrl();
  const slot: Slot = { worker: new Worker(url, { execArgv }) };
  slot.worker.unref();
  slot.worker.on('message', (reply: Reply) => {
    const job = slot.job;
    if (!job || job.id !== reply.id) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    if ('table' in reply) {
      try {
        job.resolve(decisionsFromWire(reply.table));
      } catch (error) {
        job.reject(error as Error);
      }
    } else {
      const { name, message, reason, input } = reply.error;
      job.reject(
        reason
          ? new DisclosureRefusal(reason, message)
          : input
            ? new DisclosureInputError(message)
            : Object.assign(new Error(message), { name }),
      );
    }
    pump();
  });
  slot.worker.on('error', (error) => replace(slot, error));
  slot.worker.on('exit', () => replace(slot, new Error('protection worker exited')));
  return slot;
}

/** Drops a dead or runaway worker, rejecting its job, and starts a fresh one in its place. */
function replace(slot: Slot, error: Error): void {
  const i = slots.indexOf(slot);
  if (i < 0) return;
  slots.splice(i, 1);
  const job = slot.job;
  slot.job = undefined;
  if (job) {
    clearTimeout(job.timer);
    job.reject(error);
  }
  void slot.worker.terminate();
  pump();
}

function pump(): void {
  while (queue.length > 0) {
    let slot = slots.find((s) => !s.job);
    if (!slot && slots.length < POOL_SIZE) slots.push((slot = spawn()));
    if (!slot) return;
    const job = queue.shift() as Job;
    if (Date.now() >= job.deadline) {
      job.reject(
        new DisclosureRefusal('time-budget', 'the protection of this answer exceeded its time budget'),
      );
      continue;
    }
    const id = nextId++;
    const busy = slot;
    const timer = setTimeout(
      () =>
        replace(
          busy,
          new DisclosureRefusal('time-budget', 'the protection of this answer exceeded its time budget'),
        ),
      job.deadline - Date.now() + GRACE_MS,
    );
    timer.unref();
    slot.job = { ...job, id, timer };
    slot.worker.postMessage(
      { id, input: job.input.wire, k: job.k, deadline: job.deadline },
      job.input.transfer,
    );
  }
}

/**
 * Same result as protectTable(input, {k}), computed in a worker thread. Rejects with DisclosureRefusal
 * ('time-budget') past `budgetMs` (default 2 s), and with the errors protectTable throws.
 */
export function protectTableAsync(
  input: TableInput,
  params: { k: number; budgetMs?: number },
): Promise<ProtectedTable> {
  return new Promise((resolve, reject) => {
    queue.push({
      input: tableToWire(input),
      k: params.k,
      deadline: Date.now() + (params.budgetMs ?? DEFAULT_BUDGET_MS),
      resolve,
      reject,
    });
    pump();
  });
}

/** Stops every worker (tests, shutdown). Pending requests are rejected. */
export async function closeProtectionPool(): Promise<void> {
  for (const job of queue.splice(0)) job.reject(new Error('protection pool closed'));
  const all = slots.splice(0);
  for (const slot of all) {
    if (slot.job) {
      clearTimeout(slot.job.timer);
      slot.job.reject(new Error('protection pool closed'));
    }
    slot.worker.removeAllListeners('exit');
  }
  await Promise.all(all.map((slot) => slot.worker.terminate()));
}
