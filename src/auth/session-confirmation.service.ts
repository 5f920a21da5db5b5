import { Injectable } from '@nestjs/common';
import type { AuthenticatedPrincipal } from '../common/request-context.js';
import { AuthService } from './auth.service.js';
import { SessionCache } from './session-cache.js';

const samePrincipal = (a: AuthenticatedPrincipal, b: AuthenticatedPrincipal) =>
  a.id === b.id &&
  a.sessionId === b.sessionId &&
  a.username === b.username &&
  a.role === b.role &&
  a.officeId === b.officeId &&
  a.approvedUntil === b.approvedUntil;

/**
 * Confirms a cached principal (auth/session-cache.ts) by looking its session up, as the guard does for every
 * request without the cache: for a request that will not reach a statement confirming it (a denial by the
 * guard, a 400, a route that never appended). Used by AccessGuard and SessionConfirmHook.
 */
@Injectable()
export class SessionConfirmation {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionCache,
  ) {}

  /**
   * Whether `principal`'s session is still open and its user unchanged; marks it confirmed if so, forgets
   * the cached session if not. A principal already confirmed (or never cached) is not looked up again.
   */
  async confirm(principal: AuthenticatedPrincipal): Promise<boolean> {
    const check = principal.sessionCheck;
    if (check === undefined || check.confirmed) return true;
    const current = await this.auth.principalFor({ sub: principal.id, sid: principal.sessionId });
    if (current === null || !samePrincipal(current, principal)) {
      this.sessions.forget(principal.sessionId);
      return false;
    }
    check.confirmed = true;
    this.sessions.remember(current);
    return true;
  }

  /** Forgets a session a statement found invalid (SQLSTATE CT401). */
  forget(principal: AuthenticatedPrincipal): void {
    this.sessions.forget(principal.sessionId);
  }
}
