import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, type Observable } from 'rxjs';
import type { AuditAction } from '../audit/audit-actions.js';
import { unauthenticated } from '../common/errors.js';
import { contextOf, type AppRequest, type AuthenticatedPrincipal } from '../common/request-context.js';
import { ACCESS_KEY, type AccessRule } from './access.decorator.js';
import { DenialSummaryService } from './denial-summary.service.js';
import { SessionConfirmation } from './session-confirmation.service.js';

/** The SQLSTATE of audit_append_for_session() when the session is no longer valid. */
export const SESSION_REJECTED_SQLSTATE = 'CT401';

/** Whether `error` (TypeORM's QueryFailedError or pg's own) is audit_append_for_session()'s refusal. */
export function isSessionRejected(error: unknown): boolean {
  const { code, driverError } = (error ?? {}) as { code?: unknown; driverError?: { code?: unknown } };
  return code === SESSION_REJECTED_SQLSTATE || driverError?.code === SESSION_REJECTED_SQLSTATE;
}

/**
 * The other half of the session cache (session-cache.ts): a request the guard authorized from a cached
 * principal is answered only once its session is confirmed. Its statement's audit append usually did that
 * (AuditService.appendCall); otherwise (a 400 before any statement, a route that never appended) the session
 * is looked up here, after the handler and before the answer. A session found invalid, either way, is a 401
 * with its denial audited as an invalid token (per client, as the guard audits callers without a valid token),
 * whatever the handler answered; the statement that found it failed as a whole, so nothing was written.
 */
@Injectable()
export class SessionConfirmInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionConfirmation,
    private readonly denials: DenialSummaryService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AppRequest>();
    const principal = request.user;
    const check = principal?.sessionCheck;
    if (principal === undefined || check === undefined) return next.handle();
    const action = () =>
      this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [
        context.getHandler(),
        context.getClass(),
      ])?.action ?? null;
    // The handler's error first (catchError before mergeMap: a 401 of confirm() itself is not handled again).
    return next.handle().pipe(
      catchError((error: unknown) =>
        from(
          (async () => {
            if (isSessionRejected(error)) throw await this.reject(request, principal, action);
            await this.confirm(request, principal, action);
            throw error;
          })(),
        ),
      ),
      mergeMap(async (value: unknown) => {
        await this.confirm(request, principal, action);
        return value;
      }),
    );
  }

  private async confirm(
    request: AppRequest,
    principal: AuthenticatedPrincipal,
    action: () => AuditAction | null,
  ): Promise<void> {
    if (!(await this.sessions.confirm(principal))) throw await this.reject(request, principal, action);
  }

  private async reject(
    request: AppRequest,
    principal: AuthenticatedPrincipal,
    action: () => AuditAction | null,
  ): Promise<Error> {
    this.sessions.forget(principal);
    const name = action();
    if (name !== null) {
      await this.denials.deny(
        { ...contextOf(request), actor: null },
        { action: name, reason: 'invalid_token' },
      );
    }
    return unauthenticated();
  }
}
