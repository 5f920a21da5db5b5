import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuditAction } from '../audit/audit-actions.js';
import { allowedRoles, type ProtectedAction } from '../policy/index.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';

export const ACCESS_KEY = 'access';

/** What a route declares: null action on a public route means its denials are not audited under a name. */
export type AccessRule =
  | { public: true; action: AuditAction | null }
  | { public: false; action: RouteAction; sessionInStatement?: boolean };

export interface AuthenticatedOptions {
  /**
   * The route's work is one audited statement whose audit append confirms the session in the same round
   * trip (AuditService.appendCall): the guard may authorize from a recently confirmed principal
   * (auth/session-cache.ts) instead of looking the session up first. Safe on any route (a request that ends
   * without such a statement is confirmed by a lookup before it is answered), but only worth it on those.
   */
  sessionInStatement?: boolean;
}

/** A protected route's action: its row in policy/permissions.ts and the name of its audit events. */
export type RouteAction = ProtectedAction & AuditAction;

/**
 * The one decorator a protected route carries: its action. Who may call it comes from the permissions
 * table (policy/permissions.ts); denials are audited under the action. The global AccessGuard denies every
 * route that declares neither this nor @Public().
 */
export function Authenticated(action: RouteAction, options: AuthenticatedOptions = {}) {
  const roles = allowedRoles(action);
  const rule: AccessRule = { public: false, action, sessionInStatement: options.sessionInStatement === true };
  const decorators = [
    SetMetadata(ACCESS_KEY, rule),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'Missing, expired, revoked or forged token',
      type: ErrorResponseDto,
    }),
  ];
  if (roles !== 'any') {
    decorators.push(
      ApiForbiddenResponse({ description: `Allowed roles: ${roles.join(', ')}`, type: ErrorResponseDto }),
    );
  }
  return applyDecorators(...decorators);
}

/** A route anyone may call (login, health). */
export const Public = (action: AuditAction | null = null) =>
  SetMetadata(ACCESS_KEY, { public: true, action } satisfies AccessRule);
