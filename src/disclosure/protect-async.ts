/**
 * protectTableAsync: protectTable off the event loop, in a small bounded pool of worker threads
 * (common/worker-pool.ts), with a time budget per answer. Nest-free; the aggregates service awaits it.
 *
 * - At most `POOL_SIZE` workers (one per spare core, at least 1, at most 4); requests beyond wait in a FIFO queue.
 * - The budget runs from the call (queueing included). The worker checks it between rounds of the planner and
 *   refuses; a request still queued at its deadline is refused, and a worker still busy `GRACE_MS` after it is
 *   terminated (and replaced), so a runaway answer never holds a thread. Either way the promise rejects with
 *   DisclosureRefusal('time-budget').
 * - The worker runs at the normal priority (its budget is wall-clock time), and the table goes to it, and the
 *   decisions come back, as transferred typed arrays (wire.ts).
 */
import { spareCores, WorkerPool, WorkerTimeoutError } from '../common/worker-pool.js';
import { DisclosureInputError, DisclosureRefusal } from './errors.js';
import type { WorkerReply, WorkerRequest } from './protect-worker.js';
import type { ProtectedTable, TableInput } from './types.js';
import { decisionsFromWire, tableToWire } from './wire.js';

export const DEFAULT_BUDGET_MS = 2000;
const GRACE_MS = 250;
export const POOL_SIZE = spareCores(4);
/** The pool's own runaway guard, far above any budget a caller gives (the bench gives minutes). */
const RUNAWAY_MS = 30 * 60_000;

const pool = new WorkerPool({
  name: 'protection worker',
  script: new URL('./protect-worker.js', import.meta.url),
  size: POOL_SIZE,
  timeoutMs: RUNAWAY_MS,
});

const overBudget = () =>
  new DisclosureRefusal('time-budget', 'the protection of this answer exceeded its time budget');

/**
 * Same result as protectTable(input, {k}), computed in a worker thread. Rejects with DisclosureRefusal
 * ('time-budget') past `budgetMs` (default 2 s), and with the errors protectTable throws.
 */
export async function protectTableAsync(
  input: TableInput,
  params: { k: number; budgetMs?: number },
): Promise<ProtectedTable> {
  const deadline = Date.now() + (params.budgetMs ?? DEFAULT_BUDGET_MS);
  const { wire, transfer } = tableToWire(input);
  const request: WorkerRequest = { input: wire, k: params.k, deadline };
  let reply: WorkerReply;
  try {
    reply = await pool.run<WorkerReply>(request, transfer, { deadline, graceMs: GRACE_MS });
  } catch (error) {
    throw error instanceof WorkerTimeoutError ? overBudget() : error;
  }
  if ('table' in reply) return decisionsFromWire(reply.table);
  const { name, message, reason, input: badInput } = reply.error;
  if (reason) throw new DisclosureRefusal(reason, message);
  if (badInput) throw new DisclosureInputError(message);
  throw Object.assign(new Error(message), { name });
}

/** Stops every worker (tests, shutdown). Pending requests are rejected. */
export async function closeProtectionPool(): Promise<void> {
  await pool.close();
}
