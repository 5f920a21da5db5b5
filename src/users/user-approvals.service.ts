import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { SessionService } from '../auth/session.service.js';
import { NO_PASSWORD } from '../auth/password.js';
import { DomainError, notFound } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import { generateKeyBase64, sha256Hex } from '../crypto/index.js';
import { changeNeedsApproval, hasIdentityAccess, twoPersonRuleOn, type Role } from '../policy/index.js';
import type {
  ApprovalDto,
  ApprovalResultDto,
  CreateUserDto,
  RequestResultDto,
  UpdateUserDto,
  UserDto,
} from './dto/users.dto.js';
import { UsersService } from './users.service.js';

type ApprovalKind = 'create' | 'update' | 'password_reset';

interface ApprovalRow {
  id: string;
  user_id: string;
  kind: ApprovalKind;
  changes: UpdateUserDto;
  status: 'pending' | 'approved' | 'rejected';
  requested_by: string;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
}

/** How long an approved enrollment code stays usable. */
const ENROLLMENT_DAYS = 7;

const newCodeHalf = (): string =>
  Buffer.from(generateKeyBase64(), 'base64').subarray(0, 18).toString('base64url');

const toApprovalDto = (row: ApprovalRow): ApprovalDto => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind,
  changes: row.changes,
  status: row.status,
  requestedBy: row.requested_by,
  requestedAt: row.requested_at.toISOString(),
  decidedBy: row.decided_by,
  decidedAt: row.decided_at?.toISOString() ?? null,
});

/**
 * The two-person rule (TWO_PERSON_RULE; see policy/two-person.ts). When it is on, a change that gives or
 * moves access to identity is stored as a request and applied only when another admin approves it:
 * nobody approves their own request or a change to their own account, and an admin created under the
 * rule is disabled until approved, so a sock-puppet admin approves nothing. While no other admin account
 * exists, the one admin may create the second at once (bootstrap); a disabled admin counts, or the only
 * active admin could disable the second and bootstrap a third, whose whole enrollment code it receives.
 *
 * Passwords of these accounts are never chosen by an admin: the account's holder sets one at
 * `POST /v1/auth/enroll` with a code of two halves, one returned to the requesting admin with the
 * request, the other to the approving admin with the approval. Neither admin alone can enroll; both
 * would have to collude, which is what the rule cannot prevent. Only hashes of the halves are stored.
 */
@Injectable()
export class UserApprovalsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('users');
  readonly enabled: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly config: AppConfig,
  ) {
    this.enabled = twoPersonRuleOn(config.env.TWO_PERSON_RULE, config.env.NODE_ENV);
  }

  onApplicationBootstrap(): void {
    if (!this.enabled && this.config.env.NODE_ENV === 'production') {
      this.logger.warn(
        'TWO_PERSON_RULE is off in production: one admin alone can give any account access to identity',
      );
    }
  }

  /** POST /v1/users with the rule on, for a role with access to identity. */
  requestCreate(ctx: RequestContext, input: CreateUserDto): Promise<RequestResultDto> {
    if (input.password !== undefined) throw passwordByEnrollment();
    return this.dataSource.transaction(async (em) => {
      const user = await this.users.createPending(em, input);
      const changes: UpdateUserDto = { role: input.role, officeId: input.officeId ?? null };
      const bootstrap = input.role === 'admin' && (await this.adminsBesides(em, ctx, user.id)) === 0;
      const approval = await this.insertRequest(em, ctx, user.id, 'create', changes);
      const requesterCode = await this.startEnrollment(em, user.id, approval.id);
      await this.audit.record(em, ctx, {
        action: 'user.approval.request',
        outcome: 'allowed',
        resourceType: 'user',
        resourceId: user.id,
        details: {
          approvalId: approval.id,
          kind: 'create',
          role: input.role,
          officeId: input.officeId ?? null,
          bootstrap,
        },
      });
      if (!bootstrap) return { approval: toApprovalDto(approval), user: null, enrollmentCode: requesterCode };
      // No second admin exists to approve: the first admin creates the second one at once (API.md).
      const decided = await this.decide(em, ctx, approval, 'approved');
      await em.query(`UPDATE users SET disabled = false WHERE id = $1`, [user.id]);
      const approverCode = await this.completeEnrollment(em, user.id);
      const created = await this.users.findDto(em, ctx, user.id);
      return {
        approval: toApprovalDto(decided),
        user: created,
        enrollmentCode: `${requesterCode}.${approverCode}`,
      };
    });
  }

  /**
   * PATCH /v1/users/:id with the rule on: a change that needs approval becomes a request (the whole
   * change); anything else is applied at once as without the rule. A password for an account with
   * access to identity is refused: its holder sets it (password reset, then enrollment).
   */
  async update(ctx: RequestContext, id: string, input: UpdateUserDto): Promise<UserDto | RequestResultDto> {
    const needsApproval = await this.dataSource.transaction(async (em) => {
      const [current] = (await em.query(`SELECT role, office_id, disabled FROM users WHERE id = $1`, [
        id,
      ])) as {
        role: Role;
        office_id: string | null;
        disabled: boolean;
      }[];
      if (!current) throw notFound('User');
      const state = { role: current.role, officeId: current.office_id, disabled: current.disabled };
      if (
        input.password !== undefined &&
        (hasIdentityAccess(state.role) || hasIdentityAccess(input.role ?? state.role))
      )
        throw passwordByEnrollment();
      return changeNeedsApproval(state, input);
    });
    if (!needsApproval) return this.users.update(ctx, id, input);
    return this.dataSource.transaction(async (em) => {
      const changes = Object.fromEntries(
        Object.entries(input).filter(([, v]) => v !== undefined),
      ) as UpdateUserDto;
      const approval = await this.insertRequest(em, ctx, id, 'update', changes);
      await this.audit.record(em, ctx, {
        action: 'user.approval.request',
        outcome: 'allowed',
        resourceType: 'user',
        resourceId: id,
        details: { approvalId: approval.id, kind: 'update', changedFields: Object.keys(changes) },
      });
      return { approval: toApprovalDto(approval), user: null, enrollmentCode: null };
    });
  }

  /** POST /v1/users/:id/password-reset: a request; once approved the old password stops working. */
  requestPasswordReset(ctx: RequestContext, id: string): Promise<RequestResultDto> {
    return this.dataSource.transaction(async (em) => {
      const [user] = (await em.query(`SELECT id, role FROM users WHERE id = $1`, [id])) as {
        id: string;
        role: Role;
      }[];
      if (!user) throw notFound('User');
      const approval = await this.insertRequest(em, ctx, id, 'password_reset', {});
      await em.query(`DELETE FROM user_enrollments WHERE user_id = $1`, [id]);
      const requesterCode = await this.startEnrollment(em, id, approval.id);
      await this.audit.record(em, ctx, {
        action: 'user.approval.request',
        outcome: 'allowed',
        resourceType: 'user',
        resourceId: id,
        details: { approvalId: approval.id, kind: 'password_reset', role: user.role },
      });
      return { approval: toApprovalDto(approval), user: null, enrollmentCode: requesterCode };
    });
  }

  list(ctx: RequestContext, status: 'pending' | 'approved' | 'rejected' | undefined): Promise<ApprovalDto[]> {
    return this.dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT * FROM user_approvals WHERE ($1::text IS NULL OR status = $1) ORDER BY requested_at, id LIMIT 500`,
        [status ?? null],
      )) as ApprovalRow[];
      await this.audit.record(em, ctx, {
        action: 'user.approval.list',
        outcome: 'allowed',
        details: { count: rows.length, status: status ?? null },
      });
      return rows.map(toApprovalDto);
    });
  }

  /** A second admin approves: the change is applied, audited, and (for enrollment) their half of the code returned. */
  async approve(ctx: RequestContext, id: string): Promise<ApprovalResultDto> {
    await this.refuseOwn(ctx, id, 'user.approval.approve');
    return this.dataSource.transaction(async (em) => {
      const approval = await this.lockPending(em, ctx, id);
      let changedFields: string[];
      let sessionsRevoked = 0;
      let approverCode: string | null = null;
      if (approval.kind === 'create') {
        await this.users.applyUpdate(em, approval.user_id, { disabled: false });
        changedFields = ['disabled'];
        approverCode = await this.completeEnrollment(em, approval.user_id);
      } else if (approval.kind === 'update') {
        ({ changedFields, sessionsRevoked } = await this.users.applyUpdate(
          em,
          approval.user_id,
          approval.changes,
        ));
      } else {
        await em.query(`UPDATE users SET password_hash = $1, updated_at = now() WHERE id = $2`, [
          NO_PASSWORD,
          approval.user_id,
        ]);
        sessionsRevoked = await this.sessions.revokeAll(em, approval.user_id);
        changedFields = ['password'];
        approverCode = await this.completeEnrollment(em, approval.user_id);
      }
      const decided = await this.decide(em, ctx, approval, 'approved');
      await this.audit.record(em, ctx, {
        action: 'user.approval.approve',
        outcome: 'allowed',
        resourceType: 'user',
        resourceId: approval.user_id,
        details: {
          approvalId: approval.id,
          kind: approval.kind,
          requestedBy: approval.requested_by,
          changedFields,
          sessionsRevoked,
        },
      });
      return {
        approval: toApprovalDto(decided),
        user: await this.users.findDto(em, ctx, approval.user_id),
        enrollmentCode: approverCode,
      };
    });
  }

  async reject(ctx: RequestContext, id: string): Promise<ApprovalDto> {
    return this.dataSource.transaction(async (em) => {
      const approval = await this.lockPending(em, ctx, id);
      const decided = await this.decide(em, ctx, approval, 'rejected');
      if (approval.kind !== 'update') {
        await em.query(`DELETE FROM user_enrollments WHERE user_id = $1 AND approval_id = $2`, [
          approval.user_id,
          approval.id,
        ]);
      }
      await this.audit.record(em, ctx, {
        action: 'user.approval.reject',
        outcome: 'allowed',
        resourceType: 'user',
        resourceId: approval.user_id,
        details: { approvalId: approval.id, kind: approval.kind, requestedBy: approval.requested_by },
      });
      return toApprovalDto(decided);
    });
  }

  /** Approving one's own request, or a change to one's own account, is refused and audited as denied. */
  private async refuseOwn(ctx: RequestContext, id: string, action: 'user.approval.approve'): Promise<void> {
    const [row] = (await this.dataSource.query(
      `SELECT requested_by, user_id FROM user_approvals WHERE id = $1`,
      [id],
    )) as { requested_by: string; user_id: string }[];
    if (!row) throw notFound('Approval request');
    const actorId = ctx.actor?.id;
    if (row.requested_by !== actorId && row.user_id !== actorId) return;
    await this.audit.recordAlone(ctx, {
      action,
      outcome: 'denied',
      resourceType: 'user',
      resourceId: row.user_id,
      details: { reason: 'own_request', approvalId: id },
    });
    throw new DomainError(
      'OWN_REQUEST',
      'A request is approved by another admin than its requester or its subject',
    );
  }

  private async lockPending(em: EntityManager, ctx: RequestContext, id: string): Promise<ApprovalRow> {
    const [row] = (await em.query(`SELECT * FROM user_approvals WHERE id = $1 FOR UPDATE`, [
      id,
    ])) as ApprovalRow[];
    if (!row) throw notFound('Approval request');
    if (row.requested_by === ctx.actor?.id || row.user_id === ctx.actor?.id) {
      throw new DomainError(
        'OWN_REQUEST',
        'A request is approved by another admin than its requester or its subject',
      );
    }
    if (row.status !== 'pending')
      throw new DomainError('APPROVAL_DECIDED', 'This request is already decided');
    return row;
  }

  private async insertRequest(
    em: EntityManager,
    ctx: RequestContext,
    userId: string,
    kind: ApprovalKind,
    changes: UpdateUserDto,
  ): Promise<ApprovalRow> {
    const [row] = (await em.query(
      `INSERT INTO user_approvals (user_id, kind, changes, requested_by) VALUES ($1, $2, $3, $4) RETURNING *`,
      [userId, kind, JSON.stringify(changes), ctx.actor?.id],
    )) as ApprovalRow[];
    return row;
  }

  private async decide(
    em: EntityManager,
    ctx: RequestContext,
    approval: ApprovalRow,
    status: 'approved' | 'rejected',
  ): Promise<ApprovalRow> {
    const decidedBy = approval.requested_by === ctx.actor?.id ? null : (ctx.actor?.id ?? null);
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const [rows] = (await em.query(
      `UPDATE user_approvals SET status = $1, decided_by = $2, decided_at = now() WHERE id = $3 RETURNING *`,
      [status, decidedBy, approval.id],
    )) as [ApprovalRow[], number];
    return rows[0];
  }

  /** The requester's half of a new enrollment code (only its hash is stored). */
  private async startEnrollment(em: EntityManager, userId: string, approvalId: string): Promise<string> {
    const half = newCodeHalf();
    await em.query(
      `INSERT INTO user_enrollments (user_id, approval_id, requester_code_hash) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET approval_id = $2, requester_code_hash = $3,
         approver_code_hash = NULL, expires_at = NULL, created_at = now()`,
      [userId, approvalId, sha256Hex(half)],
    );
    return half;
  }

  /** The approver's half; the code becomes usable for ENROLLMENT_DAYS. */
  private async completeEnrollment(em: EntityManager, userId: string): Promise<string> {
    const half = newCodeHalf();
    await em.query(
      `UPDATE user_enrollments SET approver_code_hash = $1, expires_at = now() + make_interval(days => $2)
        WHERE user_id = $3`,
      [sha256Hex(half), ENROLLMENT_DAYS, userId],
    );
    return half;
  }

  /**
   * Admin accounts other than the caller's and `created` (the one being requested), disabled ones included
   * (see requestCreate's bootstrap).
   */
  private async adminsBesides(em: EntityManager, ctx: RequestContext, created: string): Promise<number> {
    const [row] = (await em.query(
      `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND id <> $1 AND id <> $2`,
      [ctx.actor?.id ?? '00000000-0000-0000-0000-000000000000', created],
    )) as { n: number }[];
    return row.n;
  }
}

const passwordByEnrollment = () =>
  new DomainError(
    'PASSWORD_BY_ENROLLMENT',
    'Validation failed: password cannot be set by an admin for a caseworker, supervisor or admin account ' +
      'under the two-person rule; its holder sets it with an enrollment code (POST /v1/users/:id/password-reset, ' +
      'then POST /v1/auth/enroll)',
  );
