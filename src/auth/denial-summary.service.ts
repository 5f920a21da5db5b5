import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import type { AuditAction, AuditDetails, DenialReason } from '../audit/audit-actions.js';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';

/** Denials of one client audited one by one per interval; beyond, they are only counted. */
export const IMMEDIATE_PER_CLIENT = 50;
/** Kinds (action, reason, named account) counted apart per client and interval; beyond, one per action. */
const KINDS_PER_CLIENT = 20;
/** Tracked (client, denial) pairs per interval; beyond, denials are counted under one pair per action. */
const MAX_ENTRIES = 10_000;
const ANY_CLIENT = '*';

export interface UnauthenticatedDenial {
  action: AuditAction;
  reason: DenialReason;
  /** The account a denied login named (a throttled login), else none. */
  actor?: { id: string | null; role: string | null };
  /** Details of the first event; the summary carries only reason and counts. */
  details?: AuditDetails;
}

interface Entry {
  key: string;
  denial: UnauthenticatedDenial;
  /** Denials counted (not yet audited) in this interval. */
  repeats: number;
  /** The first counted request, named by the summary event. */
  firstRepeat: RequestContext;
}

/**
 * Audit of denials to callers without a valid token (missing or forged token, throttled login), which a
 * script can send by the thousand: a client's first IMMEDIATE_PER_CLIENT denials in an interval are audited
 * one by one; identical ones after that are counted and audited as one summary event per kind and interval
 * (`details: {reason, deniedCount, windowSeconds}`); varying the route or the name does not flood the log
 * either (kinds per client are bounded). Authenticated
 * denials never come here: they are audited one by one. Counts are per replica; a replica shutting down
 * writes its pending summaries first.
 */
@Injectable()
export class DenialSummaryService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DenialSummary');
  private entries = new Map<string, Entry>();
  private immediate = new Map<string, number>();
  private kinds = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly windowSeconds: number;

  constructor(
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    this.windowSeconds = config.env.DENIAL_SUMMARY_SECONDS;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.windowSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Audits the denial now, or counts it for the interval's summary. Throws if an immediate write fails. */
  async deny(ctx: RequestContext, denial: UnauthenticatedDenial): Promise<void> {
    const audited = this.immediate.get(ctx.ip) ?? 0;
    if (audited < IMMEDIATE_PER_CLIENT) {
      this.immediate.set(ctx.ip, audited + 1);
      await this.audit.recordAlone(ctx, this.event(denial, denial.details ?? {}));
      return;
    }
    // Over the client's budget: counted per kind. A client naming ever new accounts (throttled logins) gets
    // at most KINDS_PER_CLIENT kinds with their account; beyond, and when the map is full, kinds collapse.
    const kinds = this.kinds.get(ctx.ip) ?? 0;
    const full = this.entries.size >= MAX_ENTRIES;
    const withActor = !full && kinds < KINDS_PER_CLIENT;
    const key = [
      full ? ANY_CLIENT : ctx.ip,
      denial.action,
      denial.reason,
      withActor ? (denial.actor?.id ?? '') : '*',
    ].join('\u0000');
    const entry = this.entries.get(key);
    if (entry) {
      entry.repeats += 1;
      return;
    }
    if (!full) this.kinds.set(ctx.ip, kinds + 1);
    this.entries.set(key, {
      key,
      denial: withActor
        ? { action: denial.action, reason: denial.reason, actor: denial.actor }
        : { action: denial.action, reason: denial.reason },
      repeats: 1,
      firstRepeat: ctx,
    });
  }

  /** Writes one summary event per pair with repeats, and starts a new interval. */
  async flush(): Promise<void> {
    const entries = this.entries;
    this.entries = new Map();
    this.immediate = new Map();
    this.kinds = new Map();
    for (const entry of entries.values()) {
      try {
        await this.audit.recordAlone(
          entry.firstRepeat,
          this.event(entry.denial, { deniedCount: entry.repeats, windowSeconds: this.windowSeconds }),
        );
      } catch (error) {
        // The database is unavailable: keep the count for the next interval rather than lose it.
        this.logger.warn(`denial summary not written yet: ${(error as Error).name}`);
        this.merge(entry);
      }
    }
  }

  private merge(entry: Entry): void {
    const current = this.entries.get(entry.key);
    if (current) current.repeats += entry.repeats;
    else this.entries.set(entry.key, entry);
  }

  private event(denial: UnauthenticatedDenial, details: AuditDetails): AuditEventInput {
    return {
      action: denial.action,
      outcome: 'denied',
      actor: denial.actor ?? { id: null, role: null },
      details: { reason: denial.reason, ...details },
    };
  }
}
