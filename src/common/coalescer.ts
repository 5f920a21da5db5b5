/**
 * Request coalescing: items submitted while `maxInFlight` batches are already running wait, and the
 * next free slot takes all that wait (up to `maxBatch`) as ONE batch. No timer: an idle coalescer runs an
 * item at once, alone, so a lone request waits for nothing; under load, what would have been many round
 * trips (and many commits) becomes a few.
 *
 * Each item settles exactly once, with its own outcome:
 * - a batch of one is `runOne(item)`;
 * - a batch of many is `runBatch(items)`, one result per item in order; if it fails with an error for which
 *   `retryAlone(error)` holds (the batch as a whole was refused, so none of it took effect), each item is
 *   run again alone (`runOne`, one after another in the batch's slot), so one bad item fails only itself; otherwise every item of the batch fails
 *   with that error (as each would have, alone); a batch that succeeded is never run again.
 * An item still waiting for a slot after `maxWaitMs` (the statements in flight are stalled) fails with
 * CoalescerWaitTimeout and never runs: a request waits for the database no longer than it would for a pool
 * connection.
 * Pure: no Nest, no I/O.
 */
export interface CoalescerOptions {
  name: string;
  maxInFlight: number;
  maxBatch: number;
  maxWaitMs: number;
}

/** An item that waited `maxWaitMs` for a free slot, never run (the database is too slow to serve it). */
export class CoalescerWaitTimeout extends Error {
  override readonly name = 'CoalescerWaitTimeout';
}

export interface CoalescerWork<I, O> {
  runOne: (item: I) => Promise<O>;
  runBatch: (items: readonly I[]) => Promise<readonly O[]>;
  retryAlone: (error: unknown) => boolean;
}

interface Waiting<I, O> {
  item: I;
  since: number;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class Coalescer<I, O> {
  private inFlight = 0;
  private readonly waiting: Waiting<I, O>[] = [];
  private batches = 0;
  private coalesced = 0;
  /** Armed while items wait: fires when the oldest has waited maxWaitMs. */
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly work: CoalescerWork<I, O>,
    private readonly options: CoalescerOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    for (const key of ['maxInFlight', 'maxBatch', 'maxWaitMs'] as const) {
      if (!Number.isInteger(options[key]) || options[key] < 1) {
        throw new RangeError(`${options.name}: ${key} must be a positive integer`);
      }
    }
  }

  /** Batches started, and items that went in a batch of more than one. */
  get stats(): { batches: number; coalesced: number; inFlight: number; waiting: number } {
    return {
      batches: this.batches,
      coalesced: this.coalesced,
      inFlight: this.inFlight,
      waiting: this.waiting.length,
    };
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, since: this.now(), resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      this.batches += 1;
      if (batch.length > 1) this.coalesced += batch.length;
      void this.run(batch)
        // A fault of the work's own (not of an item: those are settled in run) still settles the batch.
        .catch((error: unknown) => {
          for (const w of batch) w.reject(error);
        })
        .finally(() => {
          this.inFlight -= 1;
          this.drain();
        });
    }
    this.arm();
  }

  /** Fails the items that waited too long (the oldest first: the queue is in arrival order). */
  private expire(): void {
    this.timer = null;
    const deadline = this.now() - this.options.maxWaitMs;
    while (this.waiting.length > 0 && this.waiting[0].since <= deadline) {
      const w = this.waiting.shift() as Waiting<I, O>;
      w.reject(
        new CoalescerWaitTimeout(
          `${this.options.name}: no statement free within ${this.options.maxWaitMs} ms`,
        ),
      );
    }
    this.arm();
  }

  private arm(): void {
    if (this.waiting.length === 0) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    if (this.timer !== null) return;
    const due = this.waiting[0].since + this.options.maxWaitMs - this.now();
    this.timer = setTimeout(() => this.expire(), Math.max(0, Math.ceil(due)));
    this.timer.unref();
  }

  private async run(batch: Waiting<I, O>[]): Promise<void> {
    if (batch.length === 1) {
      await this.alone(batch[0]);
      return;
    }
    let results: readonly O[];
    try {
      results = await this.work.runBatch(batch.map((w) => w.item));
    } catch (error) {
      if (this.work.retryAlone(error)) {
        // One after another, within this batch's slot: never more statements at once than maxInFlight.
        for (const w of batch) await this.alone(w);
      } else {
        for (const w of batch) w.reject(error);
      }
      return;
    }
    if (!Array.isArray(results) || results.length !== batch.length) {
      // The batch took effect, but its answer cannot be shared out: never run it again.
      const error = new Error(
        `${this.options.name}: a batch of ${batch.length} did not give ${batch.length} results`,
      );
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]));
  }

  private async alone(w: Waiting<I, O>): Promise<void> {
    try {
      w.resolve(await this.work.runOne(w.item));
    } catch (error) {
      w.reject(error);
    }
  }
}
