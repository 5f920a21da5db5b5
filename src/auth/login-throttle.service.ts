import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { deriveSubkey, hmacSha256Hex } from '../crypto/index.js';

/** How long a successful login makes its client "known" to that account. */
const TRUSTED_DAYS = 30;
/** First step of the per-account delay; it doubles with each further failure, up to the configured cap. */
const DELAY_STEP_MS = 100;
/** Expired windows are deleted at most this often per replica. */
const CLEANUP_EVERY_MS = 60_000;

export type ThrottleDecision =
  | { allowed: true; delayMs: number; attempt: LoginAttempt }
  | { allowed: false; retryAfterSeconds: number; limit: 'account-client' | 'client' };

/** The counted attempt of one login: settled as a success (uncounted again) or left as a failure. */
export interface LoginAttempt {
  readonly keys: { client: string; accountClient: string; account: string; trusted: string };
}

interface CounterRow {
  key: string;
  failures: number;
  remaining: number;
  trusted: boolean;
}

/**
 * Failed-login counters in PostgreSQL (shared by every replica), in fixed windows. An attempt is counted
 * *before* its password is checked, in one statement per attempt (row locks make it atomic), so that N
 * parallel attempts check at most the limit, never more:
 * - per account and client: after LOGIN_MAX_FAILURES_PER_ACCOUNT failures, a lock until the window ends
 *   (short, and only for that account from that client);
 * - per client: after LOGIN_MAX_FAILURES_PER_CLIENT failures on any names (made-up ones included), a lock
 *   for that client — except for accounts that last logged in successfully from it (a shared office
 *   address keeps working for its users);
 * - per account from anywhere: never a lock (an attacker could hold it); after LOGIN_ACCOUNT_DELAY_AFTER
 *   failures, each attempt from a client the account does not know waits a growing delay (capped).
 * Whether the account exists changes nothing here, so throttling reveals no usernames. Keys are keyed
 * hashes of the typed name and the address: the table holds neither in clear.
 */
@Injectable()
export class LoginThrottleService {
  private readonly key: Buffer;
  private lastCleanup = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.key = deriveSubkey(config.keys.pseudonymKey, 'login-throttle');
  }

  private keysOf(username: string, ip: string): LoginAttempt['keys'] {
    const account = username.toLowerCase();
    const h = (text: string) => hmacSha256Hex(this.key, text);
    return {
      client: h(`client\u0000${ip}`),
      accountClient: h(`account-client\u0000${account}\u0000${ip}`),
      account: h(`account\u0000${account}`),
      trusted: h(`trusted\u0000${account}\u0000${ip}`),
    };
  }

  /** Counts the attempt and decides: refused (429), or allowed after a delay (0 when none). */
  async begin(username: string, ip: string): Promise<ThrottleDecision> {
    const env = this.config.env;
    const window = env.LOGIN_THROTTLE_WINDOW_SECONDS;
    await this.cleanup(window);
    const keys = this.keysOf(username, ip);
    const rows = (await this.dataSource.query(
      `WITH trusted AS (
         SELECT EXISTS (SELECT 1 FROM login_trusted_clients
                         WHERE key = $3 AND last_success_at > now() - make_interval(days => $4)) AS trusted
       ), counted AS (
         INSERT INTO login_throttle AS t (key, failures, window_started_at)
         SELECT k, 1, now() FROM unnest($1::text[]) WITH ORDINALITY AS u(k, i) ORDER BY i
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN t.window_started_at <= now() - make_interval(secs => $2)
                           THEN 1 ELSE t.failures + 1 END,
           window_started_at = CASE WHEN t.window_started_at <= now() - make_interval(secs => $2)
                           THEN now() ELSE t.window_started_at END
         RETURNING t.key, t.failures,
           ceil(extract(epoch FROM t.window_started_at + make_interval(secs => $2) - now()))::int AS remaining
       )
       SELECT counted.*, trusted.trusted FROM counted, trusted`,
      [[keys.client, keys.accountClient, keys.account], window, keys.trusted, TRUSTED_DAYS],
    )) as CounterRow[];
    const row = (key: string) => rows.find((r) => r.key === key) ?? { failures: 0, remaining: window };
    const trusted = rows[0]?.trusted === true;
    const accountClient = row(keys.accountClient);
    if (accountClient.failures > env.LOGIN_MAX_FAILURES_PER_ACCOUNT) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, accountClient.remaining),
        limit: 'account-client',
      };
    }
    const client = row(keys.client);
    if (!trusted && client.failures > env.LOGIN_MAX_FAILURES_PER_CLIENT) {
      return { allowed: false, retryAfterSeconds: Math.max(1, client.remaining), limit: 'client' };
    }
    const over = row(keys.account).failures - env.LOGIN_ACCOUNT_DELAY_AFTER;
    const delayMs =
      trusted || over <= 0
        ? 0
        : Math.min(env.LOGIN_ACCOUNT_DELAY_MAX_MS, DELAY_STEP_MS * 2 ** Math.min(over - 1, 20));
    return { allowed: true, delayMs, attempt: { keys } };
  }

  /** Waits the delay of an allowed attempt (a delay, never a refusal). */
  async wait(decision: { delayMs: number }): Promise<void> {
    if (decision.delayMs > 0) await sleep(decision.delayMs);
  }

  /**
   * A successful login: its attempt no longer counts as a failure, the account's counter for this client is
   * cleared, and the client becomes known to the account.
   */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    const { keys } = attempt;
    await this.dataSource.query(
      `WITH cleared AS (DELETE FROM login_throttle WHERE key = $1),
            uncounted AS (UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = ANY($2))
       INSERT INTO login_trusted_clients (key, last_success_at) VALUES ($3, now())
       ON CONFLICT (key) DO UPDATE SET last_success_at = now()`,
      [keys.accountClient, [keys.client, keys.account], keys.trusted],
    );
  }

  /** Forgets expired windows and trusted clients, so that the tables hold only what is current. */
  private async cleanup(windowSeconds: number): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = now;
    await this.dataSource.query(
      `WITH expired AS (DELETE FROM login_throttle WHERE window_started_at <= now() - make_interval(secs => $1))
       DELETE FROM login_trusted_clients WHERE last_success_at <= now() - make_interval(days => $2)`,
      [windowSeconds, TRUSTED_DAYS],
    );
  }
}
