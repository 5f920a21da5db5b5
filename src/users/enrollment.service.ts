import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { LoginThrottleService } from '../auth/login-throttle.service.js';
import { hashPassword } from '../auth/password.js';
import { SessionService } from '../auth/session.service.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { sha256Hex, timingSafeEqualStrings } from '../crypto/index.js';
import type { EnrollDto } from './dto/users.dto.js';

const INVALID = 'Invalid username or enrollment code';

/**
 * POST /v1/auth/enroll: an account holder sets their own password with both halves of their enrollment
 * code (two-person rule). An unknown user, a wrong, unapproved or expired code all give the same 401;
 * failures are throttled like logins (own counters, same client limit) and audited; a code works once.
 */
@Injectable()
export class EnrollmentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleService,
    private readonly sessions: SessionService,
  ) {}

  async enroll(ctx: RequestContext, input: EnrollDto): Promise<void> {
    const username = input.username.toLowerCase();
    const throttleKey = `enroll:${username}`;
    // Counted before the codes are checked (atomic: parallel guesses check at most the limit).
    const decision = await this.throttle.begin(throttleKey, ctx.ip);
    if (!decision.allowed) {
      await this.audit.recordAlone(ctx, {
        action: 'user.enroll',
        outcome: 'denied',
        details: { reason: 'throttled', retryAfterSeconds: decision.retryAfterSeconds },
      });
      throw new DomainError('LOGIN_THROTTLED', 'Too many failed attempts; try again later', {
        'Retry-After': String(decision.retryAfterSeconds),
      });
    }
    await this.throttle.wait(decision);
    const [row] = (await this.dataSource.query(
      `SELECT u.id, u.role, e.requester_code_hash, e.approver_code_hash
         FROM users u JOIN user_enrollments e ON e.user_id = u.id
        WHERE u.username = $1 AND NOT u.disabled AND e.approver_code_hash IS NOT NULL AND e.expires_at > now()`,
      [username],
    )) as { id: string; role: string; requester_code_hash: string; approver_code_hash: string }[];
    const requesterOk = timingSafeEqualStrings(
      sha256Hex(input.requesterCode),
      row?.requester_code_hash ?? '',
    );
    const approverOk = timingSafeEqualStrings(sha256Hex(input.approverCode), row?.approver_code_hash ?? '');
    if (!row || !requesterOk || !approverOk) {
      await this.audit.recordAlone(ctx, {
        action: 'user.enroll',
        outcome: 'denied',
        actor: row ? { id: row.id, role: row.role } : { id: null, role: null },
        details: { reason: 'bad_enrollment_code' },
      });
      throw new DomainError('INVALID_CREDENTIALS', INVALID);
    }
    const passwordHash = await hashPassword(input.password);
    await this.dataSource.transaction(async (em) => {
      // TypeORM answers a DELETE ... RETURNING with [rows, affected]; a code works once.
      const [, deleted] = (await em.query(
        `DELETE FROM user_enrollments WHERE user_id = $1 AND approver_code_hash = $2 RETURNING user_id`,
        [row.id, row.approver_code_hash],
      )) as [unknown[], number];
      if (deleted === 0) throw new DomainError('INVALID_CREDENTIALS', INVALID);
      await em.query(`UPDATE users SET password_hash = $1, updated_at = now() WHERE id = $2`, [
        passwordHash,
        row.id,
      ]);
      await this.sessions.revokeAll(em, row.id);
      await this.audit.record(em, ctx, {
        action: 'user.enroll',
        outcome: 'allowed',
        actor: { id: row.id, role: row.role },
        resourceType: 'user',
        resourceId: row.id,
      });
    });
    await this.throttle.succeeded(decision.attempt);
  }
}
