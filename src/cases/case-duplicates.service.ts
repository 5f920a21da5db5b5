import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import { CaseDenied, CaseTransaction } from './case-transaction.service.js';
import { CaseReader } from './case-reader.service.js';
import { scopedCases, type DuplicateMatch } from './case.repository.js';
import type { CaseRow } from './case-view.js';

export interface DuplicateOffice {
  officeCode: string;
  count: number;
}

/** The hints POST /v1/cases answers beside the new case. */
export interface DuplicateHints {
  sameOffice: string[];
  otherOffices: DuplicateOffice[];
  /** When cross-office hints of this case become available (embargo end), null once they are. */
  otherOfficesAvailableAt: string | null;
}

export interface DuplicatesAnswer {
  items: DuplicateOffice[];
  sameOffice: string[];
  otherOfficesAvailableAt: string | null;
}

const HINT_COLUMNS = [
  'id',
  'officeId',
  'erasedAt',
  'version',
  'pseudonym',
  'phoneticKey',
  'createdAt',
  'duplicatesConfirmedAt',
] as const;

/**
 * Duplicate hints that cannot be used as a locator (issue 11; README, "Duplicate hints").
 *
 * Possible duplicates are live cases with the same pseudonym or the same keyed phonetic key (spelling
 * variants of the names with the same date of birth; crypto/phonetic.ts), never compared in plaintext.
 * - Own office: the matching case ids, at once (the caller may read them anyway).
 * - Other offices: office codes and counts only, and only for a case older than the embargo
 *   (DUPLICATE_HINT_EMBARGO_HOURS, 24 h by default) or released earlier by a supervisor of its office, so
 *   that a case made up from a guessed name cannot be used at once to find where a person is registered.
 * - Every GET /v1/cases/:id/duplicates is rate-limited per user (DUPLICATE_LOOKUPS_PER_MINUTE over a
 *   rolling minute, 429 beyond) and audited, allowed or throttled, with the caller's office and the
 *   offices it learned of.
 */
@Injectable()
export class CaseDuplicatesService {
  constructor(
    private readonly tx: CaseTransaction,
    private readonly reader: CaseReader,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** The hints of a case just created (within its transaction): same office now, other offices later. */
  async hintsForNewCase(
    em: EntityManager,
    actor: AuthenticatedPrincipal,
    row: CaseRow,
  ): Promise<DuplicateHints> {
    const sameOffice = row.pseudonym
      ? await scopedCases(em, actor).sameOfficeMatching(matchOf(row), row.id)
      : [];
    return this.hintsOf(row, sameOffice);
  }

  /** The hints of a case just created whose same-office matches are already known. */
  hintsOf(row: CaseRow, sameOffice: string[]): DuplicateHints {
    return { sameOffice, otherOffices: [], otherOfficesAvailableAt: this.availableAt(row) };
  }

  duplicates(ctx: RequestContext, id: string): Promise<DuplicatesAnswer> {
    return this.tx.run(ctx, 'case.duplicates', id, async (em, actor) => {
      await this.consumeLookup(em, actor);
      const row = await this.reader.load(em, actor, id, HINT_COLUMNS);
      const availableAt = this.availableAt(row);
      let sameOffice: string[] = [];
      let others: { officeCode: string; officeId: string; count: number }[] = [];
      if (row.pseudonym) {
        const cases = scopedCases(em, actor);
        sameOffice = await cases.sameOfficeMatching(matchOf(row), row.id);
        if (availableAt === null) others = await cases.otherOfficesMatching(matchOf(row));
      }
      const ownCode = await officeCode(em, row.officeId);
      const own = sameOffice.length > 0 ? [{ officeCode: ownCode, count: sameOffice.length }] : [];
      const items = [...own, ...others.map(({ officeCode, count }) => ({ officeCode, count }))];
      await this.audit.record(em, ctx, {
        action: 'case.duplicates',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: id,
        details: {
          officeId: row.officeId,
          offices: others.length,
          matchedOfficeIds: others.map((office) => office.officeId),
          sameOffice: sameOffice.length,
          embargoed: availableAt !== null,
        },
      });
      return { items, sameOffice, otherOfficesAvailableAt: availableAt };
    });
  }

  /** A supervisor releases the cross-office hints of a case of their office before the embargo ends. */
  confirm(
    ctx: RequestContext,
    id: string,
  ): Promise<{ caseId: string; confirmedAt: string; confirmedBy: string }> {
    return this.tx.run(ctx, 'case.duplicates.confirm', id, async (em, actor) => {
      const row = await this.reader.load(em, actor, id, ['id', 'officeId', 'erasedAt', 'version']);
      if (row.erasedAt !== null) throw new DomainError('CASE_ERASED', 'The case is erased');
      const confirmedAt = new Date();
      await scopedCases(em, actor).update(id, {
        duplicatesConfirmedAt: confirmedAt,
        duplicatesConfirmedBy: actor.id,
      });
      await this.audit.record(em, ctx, {
        action: 'case.duplicates.confirm',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: id,
        details: { officeId: row.officeId },
      });
      return { caseId: id, confirmedAt: confirmedAt.toISOString(), confirmedBy: actor.id };
    });
  }

  /** null when cross-office hints are available, otherwise when they will be. */
  private availableAt(row: CaseRow): string | null {
    if (row.duplicatesConfirmedAt) return null;
    const created = row.createdAt instanceof Date ? row.createdAt.getTime() : Date.now();
    const end = created + this.config.env.DUPLICATE_HINT_EMBARGO_HOURS * 3600_000;
    return end <= Date.now() ? null : new Date(end).toISOString();
  }

  /**
   * Counts this lookup against the caller's rolling-minute budget, serialized per user by an advisory
   * lock. Over the budget: a denial (audited as throttled after the rollback) with Retry-After.
   */
  private async consumeLookup(em: EntityManager, actor: AuthenticatedPrincipal): Promise<void> {
    const limit = this.config.env.DUPLICATE_LOOKUPS_PER_MINUTE;
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('duplicate-lookups:' || $1, 0))`, [
      actor.id,
    ]);
    await em.query(
      `DELETE FROM duplicate_lookups WHERE user_id = $1 AND at <= clock_timestamp() - interval '1 minute'`,
      [actor.id],
    );
    const [{ n, oldest }] = (await em.query(
      `SELECT count(*)::int AS n, min(at) AS oldest FROM duplicate_lookups WHERE user_id = $1`,
      [actor.id],
    )) as { n: number; oldest: Date | null }[];
    if (n >= limit) {
      const retryAfter = Math.max(
        1,
        Math.ceil(((oldest?.getTime() ?? Date.now()) + 60_000 - Date.now()) / 1000),
      );
      throw new CaseDenied(
        // The RateLimit headers of this refusal describe the limit that refused (the general limiter's own,
        // set on every answer, would announce room left).
        new DomainError('DUPLICATE_LOOKUPS_THROTTLED', `At most ${limit} duplicate lookups per minute`, {
          'Retry-After': String(retryAfter),
          'RateLimit-Limit': String(limit),
          'RateLimit-Remaining': '0',
          'RateLimit-Reset': String(retryAfter),
        }),
        { reason: 'throttled', officeId: actor.officeId },
      );
    }
    await em.query(`INSERT INTO duplicate_lookups (user_id) VALUES ($1)`, [actor.id]);
  }
}

const matchOf = (row: CaseRow): DuplicateMatch => ({
  pseudonym: row.pseudonym as string,
  phoneticKey: row.phoneticKey ?? null,
});

async function officeCode(em: EntityManager, officeId: string): Promise<string> {
  const [row] = (await em.query(`SELECT code FROM offices WHERE id = $1`, [officeId])) as { code: string }[];
  return row?.code ?? '';
}
