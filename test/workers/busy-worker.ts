// A worker for src/common/worker-pool.spec.ts: spins for `ms` milliseconds, then answers `value` (or throws).
import { serveWorker } from '../../src/common/worker-pool.js';

serveWorker((job: { ms: number; value?: string; fail?: string }) => {
  const until = Date.now() + job.ms;
  while (Date.now() < until);
  if (job.fail) throw new RangeError(job.fail);
  return { result: job.value };
});
