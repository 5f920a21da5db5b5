/**
 * Domain errors: services throw these with a code that says what happened; this table maps each code, once,
 * to its HTTP status and (for outcomes worth an audit event of their own) to the audit reason recorded.
 * Messages must never contain identity values, narrative, passwords, tokens or keys.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400 },
  UNAUTHENTICATED: { status: 401 },
  INVALID_CREDENTIALS: { status: 401 },
  FORBIDDEN: { status: 403 },
  BUDGET_EXHAUSTED: { status: 403 },
  NOT_FOUND: { status: 404 },
  CASE_ERASED: { status: 409, auditReason: 'erased' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, auditReason: 'idempotency_in_progress' },
  TRANSFER_PENDING: { status: 409, auditReason: 'transfer_pending' },
  TRANSFER_DECIDED: { status: 409, auditReason: 'transfer_decided' },
  USERNAME_TAKEN: { status: 409 },
  OFFICE_CODE_TAKEN: { status: 409 },
  LAST_ADMIN: { status: 409 },
  OWN_REQUEST: { status: 403 },
  APPROVAL_DECIDED: { status: 409 },
  PASSWORD_BY_ENROLLMENT: { status: 400 },
  STALE_VERSION: { status: 412, auditReason: 'stale_version' },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  IDEMPOTENCY_KEY_REUSED: { status: 422, auditReason: 'idempotency_key_reused' },
  IF_MATCH_REQUIRED: { status: 428, auditReason: 'missing_if_match' },
  /** Disclosure control found no way to protect the answer (e.g. two multi-valued dimensions): narrow the query. */
  AGGREGATE_NOT_PROTECTABLE: { status: 422, auditReason: 'not_protectable' },
  /** The protection of the answer ran over its time budget: narrow the query. */
  AGGREGATE_TOO_COMPLEX: { status: 422, auditReason: 'protection_time_budget' },
  LOGIN_THROTTLED: { status: 429 },
  DUPLICATE_LOOKUPS_THROTTLED: { status: 429 },
  RATE_LIMITED: { status: 429 },
  /** A bounded worker pool's queue is full (e.g. CSV renders): retry after Retry-After. */
  SERVICE_BUSY: { status: 503 },
} as const satisfies Record<string, { status: number; auditReason?: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The audit reasons a failed (not denied) outcome may carry: a closed union derived from ERRORS. */
export type FailureReason = {
  [C in ErrorCode]: (typeof ERRORS)[C] extends { auditReason: infer R extends string } ? R : never;
}[ErrorCode];

export const statusOf = (code: ErrorCode): number => ERRORS[code].status;

/** The audit reason of a failure with this code, or undefined when the code is not audited as a failure. */
export function failureReasonOf(code: ErrorCode): FailureReason | undefined {
  const entry = ERRORS[code];
  return 'auditReason' in entry ? entry.auditReason : undefined;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const validationFailed = (message: string) => new DomainError('VALIDATION_FAILED', message);
export const unauthenticated = () => new DomainError('UNAUTHENTICATED', 'Authentication required');
export const forbidden = (message = 'Not allowed for this role') => new DomainError('FORBIDDEN', message);
export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} not found`);
