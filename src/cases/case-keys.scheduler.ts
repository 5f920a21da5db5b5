import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { isRolloverDue } from '../crypto/index.js';
import { EpochKeyring } from '../keyring/epoch-keyring.js';
import { rolloverKeys, vacuumCases, type RolloverResult } from './rewrap.js';

/** How often each process re-reads the live epochs (a new epoch made by another replica, a destroyed one). */
export const KEYRING_REFRESH_MS = 5_000;

/**
 * Runs the key rollover inside the service: at start-up (the first epoch, and re-wrapping rows written
 * before epochs existed), then at every epoch boundary; with several replicas the advisory lock lets
 * one of them do it. Also vacuums `cases` soon after an erasure.
 */
@Injectable()
export class CaseKeysScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('keys');
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> | null = null;
  private vacuumQueued = false;
  private stopped = false;
  /** Background work in flight (refresh, vacuum), awaited at shutdown. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly keyring: EpochKeyring,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keyring.refresh(this.dataSource);
    if (!this.keyring.current()) await this.rollover({ wait: true });
    // Rows from before epochs, or an interrupted rollover: finish in the background.
    void this.runIfDue(true);
    const checkMs = Math.min(30_000, (this.keyring.epochSeconds * 1000) / 4);
    this.timers = [
      setInterval(() => void this.refresh(), KEYRING_REFRESH_MS),
      setInterval(() => void this.runIfDue(false), checkMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.running?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  /** One rollover now (tests and the start-up path); concurrent calls in this process share one run. */
  rollover(options: Parameters<typeof rolloverKeys>[3] = {}): Promise<RolloverResult> {
    const run = (async () => {
      await this.running?.catch(() => undefined);
      return rolloverKeys(this.dataSource, this.keyring, this.audit, options);
    })();
    this.running = run;
    return run;
  }

  /** Asks for a VACUUM of `cases` soon (after an erasure); requests arriving meanwhile share it. */
  vacuumSoon(): void {
    if (this.vacuumQueued) return;
    this.vacuumQueued = true;
    setImmediate(() => {
      this.vacuumQueued = false;
      if (!this.stopped) this.track(vacuumCases(this.dataSource));
    });
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
  }

  private refresh(): Promise<void> {
    const work = this.refreshNow();
    this.track(work);
    return work;
  }

  private async refreshNow(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.keyring.refresh(this.dataSource);
    } catch (error) {
      this.logger.warn(`key epoch refresh failed: ${(error as Error).message}`);
    }
  }

  private async runIfDue(always: boolean): Promise<void> {
    if (this.stopped) return;
    const current = this.keyring.current();
    const due = always || !current || isRolloverDue(current.startedAt, new Date(), this.keyring.epochSeconds);
    if (!due) return;
    try {
      const result = await this.rollover();
      if (result.createdEpoch || result.rewrapped > 0 || result.destroyedEpochs.length > 0) {
        this.logger.log(
          `key rollover: current ${result.currentEpoch}, rewrapped ${result.rewrapped}, destroyed ${result.destroyedEpochs.join(',') || 'none'}`,
        );
      }
      if (result.foreignKeyFiles > 0) {
        this.logger.warn(
          `the key store holds ${result.foreignKeyFiles} epoch key file(s) of another database, left alone: ` +
            'give each database its own KEY_EPOCH_DIR',
        );
      }
    } catch (error) {
      this.logger.error(`key rollover failed: ${(error as Error).message}`);
    }
  }
}
