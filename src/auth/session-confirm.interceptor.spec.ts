import { lastValueFrom, of, throwError } from 'rxjs';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { DomainError } from '../common/errors.js';
import type { AuthenticatedPrincipal } from '../common/request-context.js';
import type { AuthService } from './auth.service.js';
import type { DenialSummaryService } from './denial-summary.service.js';
import { SessionCache } from './session-cache.js';
import { SESSION_REJECTED_SQLSTATE, SessionConfirmInterceptor } from './session-confirm.interceptor.js';
import { SessionConfirmation } from './session-confirmation.service.js';

const principal: AuthenticatedPrincipal = {
  id: 'user-1',
  username: 'u1',
  role: 'caseworker',
  officeId: 'office-1',
  approvedUntil: null,
  sessionId: 'session-1',
};

function setup(current: AuthenticatedPrincipal | null) {
  const lookups: unknown[] = [];
  const denials: unknown[] = [];
  const auth = {
    principalFor: async (payload: unknown) => {
      lookups.push(payload);
      return current;
    },
  } as unknown as AuthService;
  const summary = {
    deny: async (_ctx: unknown, denial: unknown) => {
      denials.push(denial);
    },
  } as unknown as DenialSummaryService;
  const reflector = {
    getAllAndOverride: () => ({ public: false, action: 'case.read' }),
  } as unknown as Reflector;
  const cache = new SessionCache();
  const interceptor = new SessionConfirmInterceptor(reflector, new SessionConfirmation(auth, cache), summary);
  const run = (handler: CallHandler, user: AuthenticatedPrincipal | undefined) => {
    const request = { user, id: 'r1', headers: {}, ip: '127.0.0.1' };
    const context = {
      switchToHttp: () => ({ getRequest: () => request }),
      getHandler: () => undefined,
      getClass: () => undefined,
    } as unknown as ExecutionContext;
    return lastValueFrom(interceptor.intercept(context, handler));
  };
  return { run, lookups, denials, cache };
}

const unconfirmed = () => ({ ...principal, sessionCheck: { confirmed: false } });
const answer = (value: unknown): CallHandler => ({ handle: () => of(value) });
const failure = (error: unknown): CallHandler => ({ handle: () => throwError(() => error) });
const status = (error: unknown) => (error instanceof DomainError ? error.code : String(error));

describe('SessionConfirmInterceptor', () => {
  it('leaves requests without a cached principal alone (no lookup)', async () => {
    const s = setup(null);
    await expect(s.run(answer('ok'), principal)).resolves.toBe('ok');
    await expect(s.run(answer('ok'), undefined)).resolves.toBe('ok');
    expect(s.lookups).toEqual([]);
  });

  it('answers at once when the statement confirmed the session', async () => {
    const s = setup(null);
    const user = { ...principal, sessionCheck: { confirmed: true } };
    await expect(s.run(answer('ok'), user)).resolves.toBe('ok');
    expect(s.lookups).toEqual([]);
  });

  it('looks an unconfirmed session up after a success: the answer if still valid, else one 401 and one denial', async () => {
    const valid = setup(principal);
    await expect(valid.run(answer('ok'), unconfirmed())).resolves.toBe('ok');
    expect(valid.lookups).toHaveLength(1);

    const revoked = setup(null);
    const error = await revoked.run(answer('secret'), unconfirmed()).catch((e: unknown) => e);
    expect(status(error)).toBe('UNAUTHENTICATED');
    expect(revoked.lookups).toHaveLength(1);
    expect(revoked.denials).toEqual([{ action: 'case.read', reason: 'invalid_token' }]);
  });

  it('a changed principal (role, office) is a 401 too', async () => {
    const s = setup({ ...principal, role: 'supervisor' });
    const error = await s.run(answer('ok'), unconfirmed()).catch((e: unknown) => e);
    expect(status(error)).toBe('UNAUTHENTICATED');
  });

  it('the statement’s CT401 is a 401 with one denial, without a lookup', async () => {
    const s = setup(principal);
    const rejected = Object.assign(new Error('the session is no longer valid'), {
      driverError: { code: SESSION_REJECTED_SQLSTATE },
    });
    const error = await s.run(failure(rejected), unconfirmed()).catch((e: unknown) => e);
    expect(status(error)).toBe('UNAUTHENTICATED');
    expect(s.lookups).toEqual([]);
    expect(s.denials).toHaveLength(1);
  });

  it('another error of an unconfirmed request: that error if the session is valid, else a 401', async () => {
    const original = new DomainError('VALIDATION_FAILED', 'Validation failed: limit must not be less than 1');
    const valid = setup(principal);
    expect(status(await valid.run(failure(original), unconfirmed()).catch((e: unknown) => e))).toBe(
      'VALIDATION_FAILED',
    );
    const revoked = setup(null);
    expect(status(await revoked.run(failure(original), unconfirmed()).catch((e: unknown) => e))).toBe(
      'UNAUTHENTICATED',
    );
    expect(revoked.denials).toHaveLength(1);
  });
});
