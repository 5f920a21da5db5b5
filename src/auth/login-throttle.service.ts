import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { usernameDigest } from '../crypto/index.js';

/**
 * Failed-login counters in PostgreSQL (shared by every replica), in fixed windows:
 * - per client address, against password spraying;
 * - per account and client, the strict limit an attacker meets first;
 * - per account from anywhere, a looser limit against distributed guessing.
 * A lock lasts at most one window, so an attacker cannot lock a real user out for long.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  private limits(username: string, ip: string): { key: string; limit: number }[] {
    const { LOGIN_MAX_FAILURES_PER_ACCOUNT: perAccount, LOGIN_MAX_FAILURES_PER_CLIENT: perClient } =
      this.config.env;
    const account = this.accountKey(username);
    return [
      { key: `client:${ip}`, limit: perClient },
      { key: `account-client:${account}|${ip}`, limit: perAccount },
      { key: `account:${account}`, limit: perAccount * 2 },
    ];
  }

  /** Counters are keyed by a keyed hash of the name typed, never the text (it is sometimes a password). */
  private accountKey(username: string): string {
    return usernameDigest(this.config.keys.attemptedUsernameKey, username);
  }

  /** Seconds until the caller may try again, or 0 when not throttled. */
  async retryAfter(username: string, ip: string): Promise<number> {
    const limits = this.limits(username, ip);
    const rows = (await this.dataSource.query(
      `SELECT key, failures,
              ceil(extract(epoch FROM window_started_at + make_interval(secs => $2) - now()))::int AS remaining
         FROM login_throttle
        WHERE key = ANY($1) AND window_started_at > now() - make_interval(secs => $2)`,
      [limits.map((l) => l.key), this.config.env.LOGIN_THROTTLE_WINDOW_SECONDS],
    )) as { key: string; failures: number; remaining: number }[];
    let wait = 0;
    for (const row of rows) {
      const limit = limits.find((l) => l.key === row.key)?.limit ?? Infinity;
      if (row.failures >= limit) wait = Math.max(wait, Math.max(1, row.remaining));
    }
    return wait;
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    // Expired windows are forgotten, so the table holds at most the counters of the current window.
    await this.dataSource.query(
      `DELETE FROM login_throttle WHERE window_started_at <= now() - make_interval(secs => $1)`,
      [this.config.env.LOGIN_THROTTLE_WINDOW_SECONDS],
    );
    await this.dataSource.query(
      `INSERT INTO login_throttle (key, failures, window_started_at)
       SELECT unnest($1::text[]), 1, now()
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN login_throttle.window_started_at <= now() - make_interval(secs => $2)
                         THEN 1 ELSE login_throttle.failures + 1 END,
         window_started_at = CASE WHEN login_throttle.window_started_at <= now() - make_interval(secs => $2)
                         THEN now() ELSE login_throttle.window_started_at END`,
      [this.limits(username, ip).map((l) => l.key), this.config.env.LOGIN_THROTTLE_WINDOW_SECONDS],
    );
  }

  /** A successful login clears that account's counters from this client. */
  async recordSuccess(username: string, ip: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_throttle WHERE key = $1`, [
      `account-client:${this.accountKey(username)}|${ip}`,
    ]);
  }
}
