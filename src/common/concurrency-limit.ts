/**
 * At most `concurrency` jobs at once, the rest waiting in a bounded FIFO queue for at most `maxWaitMs`: for
 * work that would otherwise take every core at once (a researcher's fresh aggregate: a PostgreSQL scan, then
 * the protection in a worker), so that a few heavy requests cannot starve the many light ones. A job refused
 * (queue full, or still waiting at its deadline) gets ConcurrencyLimitBusy and never runs.
 * Pure: no Nest, no I/O.
 */
export interface ConcurrencyLimitOptions {
  name: string;
  concurrency: number;
  maxQueue: number;
  maxWaitMs: number;
}

export class ConcurrencyLimitBusy extends Error {
  override readonly name = 'ConcurrencyLimitBusy';
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: ConcurrencyLimitOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`${options.name}: concurrency must be a positive integer`);
    }
  }

  /** Jobs running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.maxQueue) {
      return Promise.reject(new ConcurrencyLimitBusy(`${this.options.name}: ${this.waiting.length} waiting`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        // The slot is handed over by release(): running stays the same.
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new ConcurrencyLimitBusy(`${this.options.name}: waited ${this.options.maxWaitMs} ms`));
        }, this.options.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running -= 1;
  }
}
