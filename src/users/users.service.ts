import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { hashPassword, NO_PASSWORD } from '../auth/password.js';
import { passwordPolicyMessage } from '../auth/password-policy.js';
import { SessionService } from '../auth/session.service.js';
import { isUniqueViolation } from '../common/database-errors.js';
import { DomainError, notFound, validationFailed } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { todayUtc } from '../common/iso-date.js';
import { isOfficeScopedRole, seesUserField, type Role } from '../policy/index.js';
import type { CreateUserDto, UpdateUserDto, UserDto } from './dto/users.dto.js';
import { OfficeEntity } from './office.entity.js';
import { UserEntity } from './user.entity.js';

/** An account as `viewer` may see it (policy/user-fields.ts: the research budget is the admin's alone). */
export function toUserDto(user: UserEntity, viewer: Role | null): UserDto {
  const { id, username, role, officeId, approvedUntil, disabled } = user;
  const dto: UserDto = { id, username, role, officeId, approvedUntil, disabled };
  if (viewer !== null && seesUserField(viewer, 'researchBudget')) {
    dto.researchBudget = user.researchBudgetRho === null ? null : Number(user.researchBudgetRho);
  }
  return dto;
}

interface Assignment {
  role: Role;
  officeId: string | null;
  approvedUntil: string | null;
}

/** The role the caller sees accounts as; none for the service itself (bootstrap, commands): no restricted field. */
const viewerOf = (ctx: RequestContext): Role | null => ctx.actor?.role ?? null;

const usernameTaken = () => new DomainError('USERNAME_TAKEN', 'This username is taken');
/** A concurrent create of the same name passes the check too; the unique index decides: 409, not 500. */
const onUsernameRace = (error: unknown): never => {
  throw isUniqueViolation(error, 'users_username_key') ? usernameTaken() : error;
};

@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
  ) {}

  create(ctx: RequestContext, input: CreateUserDto): Promise<UserDto> {
    const password = input.password;
    if (password === undefined) throw validationFailed('Validation failed: password is required');
    return this.dataSource.transaction(async (em) => {
      const assignment = {
        role: input.role,
        officeId: input.officeId ?? null,
        approvedUntil: input.approvedUntil ?? null,
      };
      await this.checkAssignment(em, assignment, { approvedUntilChanged: true });
      const repo = em.getRepository(UserEntity);
      const username = input.username.toLowerCase();
      if (await repo.existsBy({ username })) throw usernameTaken();
      const user = await repo
        .save(repo.create({ username, passwordHash: await hashPassword(password), ...assignment }))
        .catch(onUsernameRace);
      await this.audit.record(em, ctx, {
        action: 'user.create',
        outcome: 'allowed',
        resourceType: 'user',
        resourceId: user.id,
        details: { role: user.role, officeId: user.officeId },
      });
      return toUserDto(user, viewerOf(ctx));
    });
  }

  get(ctx: RequestContext, id: string): Promise<UserDto> {
    return this.dataSource.transaction(async (em) => {
      const user = await em.getRepository(UserEntity).findOneBy({ id });
      if (user === null) throw notFound('User');
      await this.audit.record(em, ctx, {
        action: 'user.read',
        outcome: 'allowed',
        resourceType: 'user',
        resourceId: user.id,
      });
      return toUserDto(user, viewerOf(ctx));
    });
  }

  list(ctx: RequestContext): Promise<UserDto[]> {
    return this.dataSource.transaction(async (em) => {
      const users = await em.getRepository(UserEntity).find({ order: { username: 'ASC' } });
      await this.audit.record(em, ctx, {
        action: 'user.list',
        outcome: 'allowed',
        details: { count: users.length },
      });
      return users.map((user) => toUserDto(user, viewerOf(ctx)));
    });
  }

  /**
   * Any change of role, office, approval, status or password revokes the user's sessions at once (a change
   * of the research budget alone does not).
   */
  update(ctx: RequestContext, id: string, input: UpdateUserDto): Promise<UserDto> {
    return this.dataSource.transaction(async (em) => {
      const { user, changedFields, sessionsRevoked } = await this.applyUpdate(em, id, input);
      await this.audit.record(em, ctx, {
        action: 'user.update',
        outcome: 'allowed',
        resourceType: 'user',
        resourceId: user.id,
        details: { changedFields, sessionsRevoked },
      });
      return toUserDto(user, viewerOf(ctx));
    });
  }

  /** Applies a change inside the caller's transaction (also used when a second admin approves one). */
  async applyUpdate(
    em: EntityManager,
    id: string,
    input: UpdateUserDto,
  ): Promise<{ user: UserEntity; changedFields: string[]; sessionsRevoked: number }> {
    const repo = em.getRepository(UserEntity);
    const user = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!user) throw notFound('User');
    const changedFields = (Object.keys(input) as (keyof UpdateUserDto)[]).filter(
      (k) => input[k] !== undefined,
    );
    const next: Assignment = {
      role: input.role ?? user.role,
      officeId: input.officeId !== undefined ? input.officeId : user.officeId,
      approvedUntil: input.approvedUntil !== undefined ? input.approvedUntil : user.approvedUntil,
    };
    if (input.role !== undefined && !isOfficeScopedRole(input.role) && input.officeId === undefined)
      next.officeId = null;
    await this.checkAssignment(em, next, { approvedUntilChanged: input.approvedUntil !== undefined });
    if (user.role === 'admin' && (next.role !== 'admin' || input.disabled === true)) {
      await this.checkNotLastAdmin(em, user.id);
    }
    Object.assign(user, next);
    if (input.disabled !== undefined) user.disabled = input.disabled;
    if (input.password !== undefined) user.passwordHash = await hashPassword(input.password);
    if (input.researchBudget !== undefined) {
      if (next.role !== 'researcher')
        throw validationFailed('Validation failed: researchBudget is only for the researcher role');
      user.researchBudgetRho = input.researchBudget === null ? null : input.researchBudget.toFixed(9);
    }
    await repo.save(user);
    // A research budget is no access (it only bounds the aggregates): changing it alone keeps the sessions.
    const revokes = changedFields.some((field) => field !== 'researchBudget');
    const sessionsRevoked = revokes ? await this.sessions.revokeAll(em, user.id) : 0;
    return { user, changedFields, sessionsRevoked };
  }

  /**
   * A new account that cannot log in yet (two-person rule): disabled, with no usable password (its
   * holder sets one by enrollment). Validated like any new account, inside the caller's transaction.
   */
  async createPending(em: EntityManager, input: Omit<CreateUserDto, 'password'>): Promise<UserEntity> {
    const assignment = {
      role: input.role,
      officeId: input.officeId ?? null,
      approvedUntil: input.approvedUntil ?? null,
    };
    await this.checkAssignment(em, assignment, { approvedUntilChanged: true });
    const repo = em.getRepository(UserEntity);
    const username = input.username.toLowerCase();
    if (await repo.existsBy({ username })) throw usernameTaken();
    return repo
      .save(repo.create({ username, passwordHash: NO_PASSWORD, disabled: true, ...assignment }))
      .catch(onUsernameRace);
  }

  /** One account as the API shows it to the caller, read inside the caller's transaction. */
  async findDto(em: EntityManager, ctx: RequestContext, id: string): Promise<UserDto> {
    const user = await em.getRepository(UserEntity).findOneBy({ id });
    if (!user) throw notFound('User');
    return toUserDto(user, viewerOf(ctx));
  }

  /** Creates the bootstrap admin when no admin exists and a password is configured. */
  async ensureBootstrapAdmin(username: string, password: string | undefined): Promise<void> {
    if (!password) return;
    const problem = passwordPolicyMessage(password, [username]);
    if (problem !== null) throw new Error(`BOOTSTRAP_ADMIN_PASSWORD is not acceptable: ${problem}`);
    if (await this.dataSource.getRepository(UserEntity).existsBy({ role: 'admin' })) return;
    const ctx: RequestContext = { requestId: 'bootstrap', ip: 'local', actor: null };
    await this.create(ctx, { username, password, role: 'admin' });
  }

  private async checkAssignment(
    em: EntityManager,
    next: Assignment,
    options: { approvedUntilChanged: boolean },
  ): Promise<void> {
    if (isOfficeScopedRole(next.role)) {
      if (!next.officeId)
        throw validationFailed(`Validation failed: officeId is required for the ${next.role} role`);
      if (!(await em.getRepository(OfficeEntity).existsBy({ id: next.officeId }))) {
        throw validationFailed('Validation failed: officeId names no office');
      }
    } else if (next.officeId) {
      throw validationFailed('Validation failed: officeId is only for the caseworker and supervisor roles');
    }
    if (next.role === 'researcher') {
      if (!next.approvedUntil)
        throw validationFailed('Validation failed: approvedUntil is required for researchers');
      if (options.approvedUntilChanged && next.approvedUntil < todayUtc()) {
        throw validationFailed('Validation failed: approvedUntil must not be in the past');
      }
    } else if (next.approvedUntil) {
      throw validationFailed('Validation failed: approvedUntil is only for the researcher role');
    }
  }

  private async checkNotLastAdmin(em: EntityManager, userId: string): Promise<void> {
    const [row] = (await em.query(
      `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled AND id <> $1`,
      [userId],
    )) as { n: number }[];
    if (row.n === 0)
      throw new DomainError('LAST_ADMIN', 'The last active admin cannot be disabled or demoted');
  }
}
