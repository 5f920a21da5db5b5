import type { FailureReason } from '../common/errors.js';

/**
 * Audit actions and, per action, the only keys its `details` may hold. This allow-list is the one place
 * that keeps identity values, narrative, passwords, tokens and keys out of the audit log: values are ids,
 * pseudonyms, field names, counts, codes and query parameters.
 */
export const AUDIT_DETAIL_KEYS = {
  'auth.login': ['reason', 'attemptedUsernameHash', 'retryAfterSeconds'],
  'auth.logout': ['reason'],
  'auth.me': ['reason'],
  'user.create': ['reason', 'role', 'officeId'],
  'user.update': ['reason', 'changedFields', 'sessionsRevoked'],
  'user.list': ['reason', 'count'],
  'user.read': ['reason'],
  'user.approval.request': ['reason', 'approvalId', 'kind', 'role', 'officeId', 'changedFields', 'bootstrap'],
  'user.approval.approve': [
    'reason',
    'approvalId',
    'kind',
    'requestedBy',
    'changedFields',
    'sessionsRevoked',
  ],
  'user.approval.reject': ['reason', 'approvalId', 'kind', 'requestedBy'],
  'user.approval.list': ['reason', 'count', 'status'],
  'user.enroll': ['reason', 'retryAfterSeconds'],
  'office.create': ['reason', 'code'],
  'office.list': ['reason', 'count'],
  'office.read': ['reason'],
  'case.create': ['reason', 'pseudonym', 'idempotentReplay', 'forbiddenFields', 'importLine'],
  'case.export': ['reason', 'format', 'count'],
  'case.import': ['reason', 'format', 'lines', 'imported', 'replayed', 'failed'],
  'case.read': ['reason', 'pseudonym', 'fields'],
  'case.list': ['reason', 'filters', 'count', 'limit'],
  'case.update': ['reason', 'pseudonym', 'changedFields', 'version', 'forbiddenFields'],
  'case.erase': ['reason', 'pseudonym'],
  'case.duplicates': [
    'reason',
    'pseudonym',
    'offices',
    'officeId',
    'matchedOfficeIds',
    'sameOffice',
    'embargoed',
  ],
  'case.duplicates.confirm': ['reason', 'officeId'],
  'case.transfer.request': ['reason', 'transferId', 'fromOfficeId', 'toOfficeId'],
  'case.transfer.list': ['reason', 'transferId', 'direction', 'status', 'count'],
  'case.transfer.accept': ['reason', 'transferId', 'fromOfficeId', 'toOfficeId'],
  'case.transfer.reject': ['reason', 'transferId', 'fromOfficeId', 'toOfficeId'],
  'aggregate.query': [
    'reason',
    'dimensions',
    'filters',
    'sigma',
    'answerId',
    'dataVersion',
    'repeat',
    'complementarySuppressed',
    // The ledger: every charge is in the chain (the budget is derived from these; see aggregates/ledger.ts).
    'charged',
    'spent',
    'remaining',
    'budgetTotal',
    'periodEnd',
    'globalCharged',
    'globalPeriodEnd',
    'budget',
    'needed',
  ],
  'aggregate.budget': ['reason', 'spent', 'remaining', 'budgetTotal', 'periodEnd'],
  'aggregate.dimensions': ['reason', 'count'],
  'aggregate.answer': ['reason', 'format', 'charged'],
  'audit.read': ['reason', 'filters', 'count', 'order'],
  'audit.verify': ['reason', 'ok', 'checked', 'firstBadSeq', 'headMismatch', 'expectHead'],
  'audit.checkpoints': ['reason', 'count'],
  'audit.export': ['reason', 'from', 'to'],
  'keys.rewrap': ['reason', 'rewrapped', 'keyId'],
  'keys.epoch.create': ['reason', 'epochId', 'previousEpochId', 'epochSeconds'],
  'keys.epoch.destroy': ['reason', 'epochId'],
} as const satisfies Record<string, readonly string[]>;

/** Keys any action's denial summary may add (auth/denial-summary.service.ts): counts only. */
export const DENIAL_SUMMARY_KEYS = ['deniedCount', 'windowSeconds'] as const;

export type AuditAction = keyof typeof AUDIT_DETAIL_KEYS;
export const AUDIT_ACTIONS = Object.keys(AUDIT_DETAIL_KEYS) as AuditAction[];

export type AuditOutcome = 'allowed' | 'denied' | 'failed';

/** Why an access was denied: a closed list, so a reason can never carry a value. */
export type DenialReason =
  | 'missing_token'
  | 'invalid_token'
  | 'role'
  | 'office_scope'
  | 'not_found'
  | 'bad_credentials'
  | 'throttled'
  | 'approval_expired'
  | 'own_request'
  | 'bad_enrollment_code'
  | 'budget_exhausted';

/**
 * Why an access failed: the reasons mapped from domain error codes (common/errors.ts) and the failures the
 * audit names itself. Closed, like DenialReason.
 */
export type AuditFailureReason = FailureReason | 'invalid_query' | 'too_large';

/** The only values `details.reason` may take: checked by the type system, never free text. */
export type AuditReason = DenialReason | AuditFailureReason;

type DetailValue = string | number | boolean | null | readonly (string | number)[];

export type AuditDetails = { reason?: AuditReason; [key: string]: DetailValue | undefined };

export class AuditDetailsError extends Error {
  override readonly name = 'AuditDetailsError';
}

/** Throws when a detail key is not allowed for the action (a programming error: the access then fails). */
export function checkDetails(action: AuditAction, details: AuditDetails): void {
  const allowed: readonly string[] = [...AUDIT_DETAIL_KEYS[action], ...DENIAL_SUMMARY_KEYS];
  for (const key of Object.keys(details)) {
    if (!allowed.includes(key)) throw new AuditDetailsError(`detail "${key}" is not allowed for ${action}`);
  }
}
