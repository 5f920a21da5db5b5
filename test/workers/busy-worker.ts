// A worker for src/common/worker-pool.spec.ts: spins for `ms` milliseconds, then answers `value` (or throws,
// or with `nice` its own thread's CPU priority).
import os from 'node:os';
import { serveWorker } from '../../src/common/worker-pool.js';

serveWorker((job: { ms: number; value?: string; fail?: string; nice?: boolean }) => {
  const until = Date.now() + job.ms;
  while (Date.now() < until);
  if (job.fail) throw new RangeError(job.fail);
  // getpriority(PRIO_PROCESS, 0) is the calling thread's on Linux.
  return { result: job.nice ? os.getPriority(0) : job.value };
});
