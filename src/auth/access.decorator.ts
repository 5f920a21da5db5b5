import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuditAction } from '../audit/audit-actions.js';
import type { Role } from '../policy/index.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';

export const ACCESS_KEY = 'access';

export interface AccessRule {
  /** null: the route is public. */
  roles: readonly Role[] | 'any' | null;
  /** The audit action recorded when access to the route is denied. */
  action: AuditAction | null;
}

/**
 * The one decorator a protected route carries: who may call it, and which audit action a denial is
 * recorded under. The global AccessGuard denies every route that has none.
 */
export function Authenticated(rule: { roles: readonly Role[] | 'any'; action: AuditAction }) {
  const decorators = [
    SetMetadata(ACCESS_KEY, rule satisfies AccessRule),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'Missing, expired, revoked or forged token',
      type: ErrorResponseDto,
    }),
  ];
  if (rule.roles !== 'any') {
    decorators.push(
      ApiForbiddenResponse({
        description: `Allowed roles: ${rule.roles.join(', ')}`,
        type: ErrorResponseDto,
      }),
    );
  }
  return applyDecorators(...decorators);
}

/** A route anyone may call (login, health). */
export const Public = (action: AuditAction | null = null) =>
  SetMetadata(ACCESS_KEY, { roles: null, action } satisfies AccessRule);
