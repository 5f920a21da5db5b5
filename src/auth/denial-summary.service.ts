import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import type { AuditAction, AuditDetails, DenialReason } from '../audit/audit-actions.js';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';

/** Distinct denials of one client audited one by one per interval; beyond, they are only counted. */
export const IMMEDIATE_PER_CLIENT = 10;
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
  ctx: RequestContext;
  denial: UnauthenticatedDenial;
  /** Denials counted since the last audited event of this pair. */
  repeats: number;
  /** The repeats' first request, named by the summary event. */
  firstRepeat: RequestContext | null;
}

/**
 * Audit of denials to callers without a valid token (missing or forged token, throttled login), which a
 * script can send by the thousand: the first of each kind from a client in an interval is audited at once;
 * identical ones that follow are counted and audited as one summary event per interval
 * (`details: {reason, deniedCount, windowSeconds}`). A client gets at most IMMEDIATE_PER_CLIENT immediate
 * events per interval, so varying the route or the name does not flood the log either. Authenticated
 * denials never come here: they are audited one by one. Counts are per replica; a replica shutting down
 * writes its pending summaries first.
 */
@Injectable()
export class DenialSummaryService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DenialSummary');
  private entries = new Map<string, Entry>();
  private immediate = new Map<string, number>();
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
    const kind = `${denial.action}\u0000${denial.reason}\u0000${denial.actor?.id ?? ''}`;
    const key = `${ctx.ip}\u0000${kind}`;
    const entry = this.entries.get(key);
    if (entry) {
      entry.repeats += 1;
      entry.firstRepeat ??= ctx;
      return;
    }
    const audited = this.immediate.get(ctx.ip) ?? 0;
    if (audited < IMMEDIATE_PER_CLIENT && this.entries.size < MAX_ENTRIES) {
      this.immediate.set(ctx.ip, audited + 1);
      this.entries.set(key, { ctx, denial, repeats: 0, firstRepeat: null });
      await this.audit.recordAlone(ctx, this.event(denial, denial.details ?? {}));
      return;
    }
    // Over the client's budget (or the map is full): counted under the client (or any client) and action.
    const client = this.entries.size < MAX_ENTRIES ? ctx.ip : ANY_CLIENT;
    const overflowKey = `${client}\u0000${denial.action}\u0000${denial.reason}\u0000`;
    const overflow = this.entries.get(overflowKey);
    if (overflow) {
      overflow.repeats += 1;
      overflow.firstRepeat ??= ctx;
    } else {
      this.entries.set(overflowKey, {
        ctx,
        denial: { action: denial.action, reason: denial.reason },
        repeats: 1,
        firstRepeat: ctx,
      });
    }
  }

  /** Writes one summary event per pair with repeats, and starts a new interval. */
  async flush(): Promise<void> {
    const entries = this.entries;
    this.entries = new Map();
    this.immediate = new Map();
    for (const entry of entries.values()) {
      if (entry.repeats === 0 || entry.firstRepeat === null) continue;
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
    const key = `${entry.ctx.ip}\u0000${entry.denial.action}\u0000${entry.denial.reason}\u0000${entry.denial.actor?.id ?? ''}`;
    const current = this.entries.get(key);
    if (current) current.repeats += entry.repeats;
    else this.entries.set(key, entry);
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
