import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditDetails } from '../audit/audit-actions.js';
import { DomainError } from '../common/errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import { prepared } from '../database/data-source.js';
import type { Role } from '../policy/index.js';
import { dummyPasswordHash, verifyPassword } from './password.js';
import { DenialSummaryService } from './denial-summary.service.js';
import { LoginThrottleService } from './login-throttle.service.js';

export interface TokenPayload {
  sub: string;
  sid: string;
}

export interface Account {
  id: string;
  role: Role;
}

export interface LoginResult {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

const INVALID_CREDENTIALS = 'Invalid username or password';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleService,
    private readonly denials: DenialSummaryService,
    private readonly config: AppConfig,
  ) {}

  /** The dummy hash is computed at start-up, so that not even the first unknown-user login takes longer. */
  async onApplicationBootstrap(): Promise<void> {
    await dummyPasswordHash();
  }

  /**
   * Checks credentials. An unknown user, a wrong password and a disabled account all give the same 401
   * after the same work; repeated failures are throttled (429 with Retry-After): each attempt is counted
   * before its password is checked (see LoginThrottleService). Failures are audited.
   */
  async verifyCredentials(ctx: RequestContext, username: string, password: string): Promise<Account> {
    const [row] = (await this.dataSource.query(
      `SELECT id, role, password_hash, disabled FROM users WHERE username = $1`,
      [username.toLowerCase()],
    )) as { id: string; role: Role; password_hash: string; disabled: boolean }[];
    const actor = row ? { id: row.id, role: row.role } : { id: null, role: null };
    // Never the text typed (people type passwords into the username field): the account, else a keyed hash.
    const attempted: AuditDetails = row
      ? {}
      : { attemptedUsernameHash: this.audit.attemptedUsername(username) };

    const decision = await this.throttle.begin(username, ctx.ip);
    if (!decision.allowed) {
      // Refused before any password check; a flood of these is summarised per client, not one event each.
      await this.denials.deny(ctx, {
        action: 'auth.login',
        reason: 'throttled',
        actor,
        details: { retryAfterSeconds: decision.retryAfterSeconds, ...attempted },
      });
      throw new DomainError('LOGIN_THROTTLED', 'Too many failed login attempts; try again later', {
        'Retry-After': String(decision.retryAfterSeconds),
      });
    }
    await this.throttle.wait(decision);

    const valid = await verifyPassword(row?.password_hash ?? (await dummyPasswordHash()), password);
    if (!row || !valid || row.disabled) {
      await this.audit.recordAlone(ctx, {
        action: 'auth.login',
        outcome: 'denied',
        actor,
        details: { reason: 'bad_credentials', ...attempted },
      });
      throw new DomainError('INVALID_CREDENTIALS', INVALID_CREDENTIALS);
    }
    await this.throttle.succeeded(decision.attempt);
    return { id: row.id, role: row.role };
  }

  /** Opens a session for a verified account and signs its token; the login is audited with the session. */
  async openSession(ctx: RequestContext, account: Account): Promise<LoginResult> {
    const ttl = this.config.env.JWT_TTL_SECONDS;
    const sessionId = await this.dataSource.transaction(async (em) => {
      const [session] = (await em.query(
        `INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() + make_interval(secs => $2)) RETURNING id`,
        [account.id, ttl],
      )) as { id: string }[];
      await this.audit.record(em, ctx, { action: 'auth.login', outcome: 'allowed', actor: account });
      return session.id;
    });
    const payload: TokenPayload = { sub: account.id, sid: sessionId };
    return { accessToken: await this.jwt.signAsync(payload), tokenType: 'Bearer', expiresIn: ttl };
  }

  async logout(ctx: RequestContext, principal: AuthenticatedPrincipal): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [
        principal.sessionId,
      ]);
      await this.audit.record(em, ctx, { action: 'auth.logout', outcome: 'allowed' });
    });
  }

  /**
   * The principal of a verified token, read afresh from the database on every request: a revoked or
   * expired session, or a disabled user, yields null; role and office are always the current ones.
   */
  async principalFor(payload: TokenPayload): Promise<AuthenticatedPrincipal | null> {
    const [row] = (await this.dataSource.query(
      prepared(`SELECT user_id AS id, username, role, office_id, approved_until
         FROM current_principals WHERE session_id = $1 AND user_id = $2`),
      [payload.sid, payload.sub],
    )) as {
      id: string;
      username: string;
      role: Role;
      office_id: string | null;
      approved_until: string | null;
    }[];
    if (!row) return null;
    return {
      id: row.id,
      username: row.username,
      role: row.role,
      officeId: row.office_id,
      approvedUntil: row.approved_until,
      sessionId: payload.sid,
    };
  }
}
