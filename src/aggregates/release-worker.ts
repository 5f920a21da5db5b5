/**
 * Worker thread of ReleaseWorkers (release-workers.ts): signs and serializes a release (signedRelease), or renders
 * the CSV of a released text (releaseCsv) as UTF-8 bytes, transferred rather than copied back.
 */
import { serveWorker } from '../common/worker-pool.js';
import { releaseCsv } from './release-csv.js';
import { signedRelease } from './release-manifest.js';
import type { ReleaseJob } from './release-workers.js';

serveWorker((job: ReleaseJob) => {
  if (job.kind === 'sign') return { result: signedRelease(job.answer, job.facts, job.key) };
  // TextEncoder gives a buffer of its own (a small Buffer.from would share Node's pool, which is not transferable).
  const bytes = new TextEncoder().encode(releaseCsv(job.text));
  return { result: bytes, transfer: [bytes.buffer] };
});
