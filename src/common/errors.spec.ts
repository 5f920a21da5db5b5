import { ERRORS, failureReasonOf, statusOf, type ErrorCode } from './errors.js';

describe('domain error codes (one mapping to HTTP status and audit reason)', () => {
  const codes = Object.keys(ERRORS) as ErrorCode[];

  it.each(codes.filter((code) => code !== 'SERVICE_BUSY'))('%s maps to a 4xx status', (code) => {
    expect(statusOf(code)).toBeGreaterThanOrEqual(400);
    expect(statusOf(code)).toBeLessThan(500);
  });

  it('SERVICE_BUSY (a full work queue, not the request) is the one 5xx: 503, as the contract answers overload', () => {
    expect(statusOf('SERVICE_BUSY')).toBe(503);
    expect(failureReasonOf('SERVICE_BUSY')).toBeUndefined();
  });

  it('each audited failure reason names one code only (no reason guessed back from a status)', () => {
    const reasons = codes.map(failureReasonOf).filter((r) => r !== undefined);
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it('the idempotency in-progress conflict is not audited as an erased case', () => {
    expect(statusOf('IDEMPOTENCY_IN_PROGRESS')).toBe(statusOf('CASE_ERASED'));
    expect(failureReasonOf('IDEMPOTENCY_IN_PROGRESS')).toBe('idempotency_in_progress');
    expect(failureReasonOf('CASE_ERASED')).toBe('erased');
  });

  it.each([
    ['STALE_VERSION', 412, 'stale_version'],
    ['IF_MATCH_REQUIRED', 428, 'missing_if_match'],
    ['IDEMPOTENCY_KEY_REUSED', 422, 'idempotency_key_reused'],
    ['VALIDATION_FAILED', 400, undefined],
  ] as const)('%s is %i, audited as %s', (code, status, reason) => {
    expect(statusOf(code)).toBe(status);
    expect(failureReasonOf(code)).toBe(reason);
  });
});
