import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AuditService } from '../audit/audit.service.js';
import type { DenialReason } from '../audit/audit-actions.js';
import { isDatabaseUnavailable } from '../common/database-errors.js';
import { forbidden, unauthenticated } from '../common/errors.js';
import { contextOf, type AuthenticatedPrincipal } from '../common/request-context.js';
import { allowedRoles, isApprovalCurrent, isPermitted } from '../policy/index.js';
import { ACCESS_KEY, type AccessRule } from './access.decorator.js';
import { DenialSummaryService } from './denial-summary.service.js';
import type { GuardedRequest } from './session-confirm.hook.js';
import { SessionConfirmation } from './session-confirmation.service.js';

/**
 * The global guard: every route is denied unless it declares @Public() or @Authenticated(...).
 * Authenticates the bearer token (JwtStrategy), checks the route's roles, and audits every denial
 * (those of callers without a valid token through DenialSummaryService).
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
    private readonly denials: DenialSummaryService,
    private readonly sessions: SessionConfirmation,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    if (rule?.public) return true;

    const denied = async (reason: DenialReason, error: Error): Promise<never> => {
      if (!rule?.action) throw error;
      // Callers without a valid token may send thousands: their denials are summarised per client.
      if (request.user) await this.audit.deny(contextOf(request), rule.action, reason);
      else await this.denials.deny(contextOf(request), { action: rule.action, reason });
      throw error;
    };
    if (!rule) return denied('role', forbidden('This route is not available'));
    if (!request.headers.authorization) return denied('missing_token', unauthenticated());

    request.sessionInStatement = rule.sessionInStatement === true;
    request.accessAction = rule.action;
    // A database that cannot answer the session lookup is a 503, never a 401 for a token that may be valid.
    const authenticated = await (super.canActivate(context) as Promise<boolean>).catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) throw error;
      return false;
    });
    if (!authenticated || !request.user) return denied('invalid_token', unauthenticated());
    const { role, approvedUntil } = request.user;
    const refusal = (): [DenialReason, Error] | null => {
      if (!isPermitted(rule.action, role)) return ['role', forbidden()];
      // A researcher whose approval has ended may still log in, but no researcher route serves them.
      const researcherRoute = allowedRoles(rule.action) !== 'any';
      if (researcherRoute && role === 'researcher' && !isApprovalCurrent(approvedUntil, new Date())) {
        return ['approval_expired', forbidden('Research approval has ended')];
      }
      return null;
    };
    const refused = refusal();
    if (refused === null) return true;
    // A cached principal is confirmed before it is refused: a dead session is a 401 like any invalid token.
    if (!(await this.sessions.confirm(request.user))) {
      request.user = undefined;
      return denied('invalid_token', unauthenticated());
    }
    return denied(...refused);
  }

  override handleRequest<TUser = AuthenticatedPrincipal>(error: unknown, user: TUser | false): TUser {
    if (isDatabaseUnavailable(error)) throw error;
    if (error || !user) throw unauthenticated();
    return user;
  }
}
