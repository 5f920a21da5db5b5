/**
 * Principals confirmed recently, by session id: what the access guard may authorize from on a route whose
 * statement confirms the session itself (@Authenticated(action, { sessionInStatement: true })), saving the
 * lookup's round trip. A cached principal is never trusted on its own: the statement's audit append fails
 * (SQLSTATE CT401) unless the session is still open and the user unchanged, and a request that ends without
 * such a statement is confirmed by a lookup before it is answered (SessionConfirmHook).
 *
 * Bounded in size (the least recently used entry goes first) and in age. Pure: no Nest, no database.
 */
import type { AuthenticatedPrincipal, SessionCheck } from '../common/request-context.js';

export interface SessionCacheOptions {
  maxEntries: number;
  maxAgeMs: number;
}

export const SESSION_CACHE_DEFAULTS: SessionCacheOptions = { maxEntries: 10_000, maxAgeMs: 60_000 };

interface Entry {
  principal: AuthenticatedPrincipal;
  at: number;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: SessionCacheOptions = SESSION_CACHE_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers a principal just confirmed by the database (a copy, without any request's check). */
  remember(principal: AuthenticatedPrincipal): void {
    const { sessionCheck: _check, ...confirmed } = principal;
    this.entries.delete(principal.sessionId);
    this.entries.set(principal.sessionId, { principal: confirmed, at: this.now() });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /**
   * The principal of session `sessionId` of user `userId`, if confirmed within maxAgeMs: a fresh copy for
   * one request, carrying its own unconfirmed SessionCheck. Otherwise undefined.
   */
  unconfirmed(sessionId: string, userId: string): AuthenticatedPrincipal | undefined {
    const entry = this.entries.get(sessionId);
    if (entry === undefined) return undefined;
    if (this.now() - entry.at > this.options.maxAgeMs || entry.principal.id !== userId) {
      this.entries.delete(sessionId);
      return undefined;
    }
    this.entries.delete(sessionId);
    this.entries.set(sessionId, entry);
    const sessionCheck: SessionCheck = { confirmed: false };
    return { ...entry.principal, sessionCheck };
  }

  /** Forgets a session (found revoked, expired or changed). */
  forget(sessionId: string): void {
    this.entries.delete(sessionId);
  }

  get size(): number {
    return this.entries.size;
  }
}
