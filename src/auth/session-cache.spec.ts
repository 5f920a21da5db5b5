import fc from 'fast-check';
import type { AuthenticatedPrincipal } from '../common/request-context.js';
import { SessionCache } from './session-cache.js';

const principal = (n: number, overrides: Partial<AuthenticatedPrincipal> = {}): AuthenticatedPrincipal => ({
  id: `user-${n}`,
  username: `u${n}`,
  role: 'caseworker',
  officeId: 'office-1',
  approvedUntil: null,
  sessionId: `session-${n}`,
  ...overrides,
});

describe('SessionCache', () => {
  it('hands out a copy per request, unconfirmed, never the remembered object', () => {
    const cache = new SessionCache();
    const p = principal(1);
    cache.remember(p);
    const a = cache.unconfirmed('session-1', 'user-1');
    const b = cache.unconfirmed('session-1', 'user-1');
    expect(a).toEqual({ ...p, sessionCheck: { confirmed: false } });
    expect(a).not.toBe(b);
    a!.sessionCheck!.confirmed = true;
    a!.role = 'admin';
    expect(b!.sessionCheck).toEqual({ confirmed: false });
    expect(cache.unconfirmed('session-1', 'user-1')!.role).toBe('caseworker');
  });

  it('does not remember a request’s check along with the principal', () => {
    const cache = new SessionCache();
    cache.remember({ ...principal(1), sessionCheck: { confirmed: true } });
    expect(cache.unconfirmed('session-1', 'user-1')!.sessionCheck).toEqual({ confirmed: false });
  });

  it('answers nothing for another user’s session id, and forgets it', () => {
    const cache = new SessionCache();
    cache.remember(principal(1));
    expect(cache.unconfirmed('session-1', 'user-2')).toBeUndefined();
    expect(cache.unconfirmed('session-1', 'user-1')).toBeUndefined();
  });

  it('expires entries after maxAgeMs', () => {
    let now = 0;
    const cache = new SessionCache({ maxEntries: 10, maxAgeMs: 1_000 }, () => now);
    cache.remember(principal(1));
    now = 1_000;
    expect(cache.unconfirmed('session-1', 'user-1')).toBeDefined();
    now = 1_001;
    expect(cache.unconfirmed('session-1', 'user-1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('forget removes a session at once', () => {
    const cache = new SessionCache();
    cache.remember(principal(1));
    cache.forget('session-1');
    expect(cache.unconfirmed('session-1', 'user-1')).toBeUndefined();
  });

  it('never holds more than maxEntries, dropping the least recently used', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), { maxLength: 200 }),
        (maxEntries, operations) => {
          const cache = new SessionCache({ maxEntries, maxAgeMs: 60_000 }, () => 0);
          const recent: number[] = []; // a model: most recently used last
          for (const [isRemember, n] of operations) {
            const touched = isRemember || recent.includes(n);
            if (isRemember) cache.remember(principal(n));
            const got = cache.unconfirmed(`session-${n}`, `user-${n}`);
            expect(got !== undefined).toBe(touched);
            if (touched) {
              const at = recent.indexOf(n);
              if (at >= 0) recent.splice(at, 1);
              recent.push(n);
              while (recent.length > maxEntries) recent.shift();
            }
            expect(cache.size).toBe(recent.length);
            expect(cache.size).toBeLessThanOrEqual(maxEntries);
          }
        },
      ),
    );
  });
});
