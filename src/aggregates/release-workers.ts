import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { spareCores, WorkerPool, WorkerPoolBusyError } from '../common/worker-pool.js';
import type { Ed25519SigningKey } from '../crypto/index.js';
import {
  signedRelease,
  type ReleasableAnswer,
  type ReleaseFacts,
  type ReleaseManifest,
} from './release-manifest.js';

export type ReleaseJob =
  | { kind: 'sign'; answer: ReleasableAnswer; facts: ReleaseFacts; key: Ed25519SigningKey }
  | { kind: 'csv'; text: string };

/**
 * Below this many listed counts a release is signed on the event loop (a few ms: less than a worker's round
 * trip is worth); above it, in the worker pool (~16 µs a count: 50,000 cells take ~200 ms).
 */
export const INLINE_SIGN_MAX_ENTRIES = 256;

/** A runaway guard, far above any real job (a 1,000,000-row CSV renders in about a second). */
const JOB_TIMEOUT_MS = 60_000;

/** Jobs waiting for a worker beyond which a request is a 503 (each may be a second of rendering). */
export const MAX_QUEUED_JOBS = 32;
const RETRY_AFTER_SECONDS = 5;

const listedEntries = (answer: ReleasableAnswer): number =>
  answer.cells.length + Object.values(answer.margins ?? {}).reduce((n, list) => n + list.length, 0) + 1;

/**
 * The CPU-heavy steps of delivering an aggregate answer, off the event loop in a small pool of worker threads
 * (release-worker.ts): signing and serializing a release, and rendering its CSV (up to 1,000,000 rows). The
 * bytes are those of the same pure functions on the event loop (release-manifest.ts, release-csv.ts). The
 * pool is the application's own and closes with it.
 */
@Injectable()
export class ReleaseWorkers implements OnApplicationShutdown {
  private readonly pool = new WorkerPool({
    name: 'release worker',
    script: new URL('./release-worker.js', import.meta.url),
    size: spareCores(2),
    timeoutMs: JOB_TIMEOUT_MS,
    maxQueue: MAX_QUEUED_JOBS,
  });

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  /** signedRelease(answer, facts, key): the manifest and the released text. */
  sign(
    answer: ReleasableAnswer,
    facts: ReleaseFacts,
    key: Ed25519SigningKey,
  ): Promise<{ manifest: ReleaseManifest; text: string }> {
    if (listedEntries(answer) <= INLINE_SIGN_MAX_ENTRIES) {
      return Promise.resolve(signedRelease(answer, facts, key));
    }
    const job: ReleaseJob = { kind: 'sign', answer, facts, key };
    return this.run(job);
  }

  /** releaseCsv(releasedText) as UTF-8 bytes. */
  async csv(releasedText: string): Promise<Buffer> {
    const job: ReleaseJob = { kind: 'csv', text: releasedText };
    const bytes = await this.run<Uint8Array>(job);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A full queue is the contract's overload answer: 503 with Retry-After. */
  private async run<T>(job: ReleaseJob): Promise<T> {
    try {
      return await this.pool.run<T>(job);
    } catch (error) {
      if (!(error instanceof WorkerPoolBusyError)) throw error;
      throw new DomainError('SERVICE_BUSY', 'The service is busy preparing other answers: retry later', {
        'Retry-After': String(RETRY_AFTER_SECONDS),
      });
    }
  }
}
