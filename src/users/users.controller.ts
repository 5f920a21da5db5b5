import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, Public } from '../auth/access.decorator.js';
import { hasIdentityAccess } from '../policy/index.js';
import { EnrollmentService } from './enrollment.service.js';
import { UserApprovalsService } from './user-approvals.service.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { uuidPipe } from '../common/uuid.pipe.js';
import {
  ApprovalDto,
  ApprovalListQueryDto,
  ApprovalResultDto,
  CreateOfficeDto,
  CreateUserDto,
  EnrollDto,
  OfficeDto,
  UpdateUserDto,
  UserDto,
} from './dto/users.dto.js';
import { OfficesService } from './offices.service.js';
import { UsersService } from './users.service.js';

/** The Location header of a 201: the new resource's own route. */
const locationOf = (resource: 'office' | 'user') => ({
  Location: { description: `The new ${resource}, /v1/${resource}s/<id>`, schema: { type: 'string' } },
});

@ApiTags('admin')
@Controller({ path: 'offices', version: '1' })
export class OfficesController {
  constructor(private readonly offices: OfficesService) {}

  @Post()
  @Authenticated('office.create')
  @ApiOperation({ summary: 'Create an office' })
  @ApiCreatedResponse({ type: OfficeDto, headers: locationOf('office') })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Code already used', type: ErrorResponseDto })
  async create(
    @Body() body: CreateOfficeDto,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OfficeDto> {
    const office = await this.offices.create(ctx, body);
    void reply.header('Location', `/v1/offices/${office.id}`);
    return office;
  }

  @Get()
  @Authenticated('office.list')
  @ApiOperation({ summary: 'List offices' })
  @ApiOkResponse({ type: [OfficeDto] })
  list(@Ctx() ctx: RequestContext): Promise<OfficeDto[]> {
    return this.offices.list(ctx);
  }

  @Get(':id')
  @Authenticated('office.read')
  @ApiOperation({ summary: 'One office (the Location of its creation)' })
  @ApiOkResponse({ type: OfficeDto })
  @ApiBadRequestResponse({ description: 'The id is not a UUID', type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<OfficeDto> {
    return this.offices.get(ctx, id);
  }
}

@ApiTags('admin')
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly approvals: UserApprovalsService,
  ) {}

  @Post()
  @Authenticated('user.create')
  @ApiOperation({
    summary: 'Create a user',
    description:
      'With TWO_PERSON_RULE on, a caseworker, supervisor or admin account is created disabled and without a ' +
      'password: the answer is 202 with the approval request and the requesting admin’s half of the ' +
      'enrollment code; a second admin approves it (POST /v1/users/approvals/:id/approve).',
  })
  @ApiCreatedResponse({ type: UserDto, headers: locationOf('user') })
  @ApiAcceptedResponse({ description: 'Two-person rule: awaiting a second admin', type: ApprovalResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Username taken', type: ErrorResponseDto })
  async create(
    @Body() body: CreateUserDto,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserDto | ApprovalResultDto> {
    if (this.approvals.enabled && hasIdentityAccess(body.role)) {
      const result = await this.approvals.requestCreate(ctx, body);
      if (result.approval.status === 'pending') void reply.status(202);
      else if (result.user !== null) void reply.header('Location', `/v1/users/${result.user.id}`);
      return result;
    }
    const user = await this.users.create(ctx, body);
    void reply.header('Location', `/v1/users/${user.id}`);
    return user;
  }

  @Get()
  @Authenticated('user.list')
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: [UserDto] })
  list(@Ctx() ctx: RequestContext): Promise<UserDto[]> {
    return this.users.list(ctx);
  }

  @Get(':id')
  @Authenticated('user.read')
  @ApiOperation({ summary: 'One user (the Location of its creation)' })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ description: 'The id is not a UUID', type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<UserDto> {
    return this.users.get(ctx, id);
  }

  @Get('approvals')
  @Authenticated('user.approval.list')
  @ApiOperation({ summary: 'List two-person-rule requests (newest last)' })
  @ApiOkResponse({ type: [ApprovalDto] })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  listApprovals(@Query() query: ApprovalListQueryDto, @Ctx() ctx: RequestContext): Promise<ApprovalDto[]> {
    return this.approvals.list(ctx, query.status);
  }

  @Post('approvals/:id/approve')
  @HttpCode(200)
  @Authenticated('user.approval.approve')
  @ApiOperation({
    summary: 'Approve another admin’s request (never your own, nor one about your own account)',
    description:
      'The change takes effect; for a new account or a password reset, the answer carries the approving admin’s half of the enrollment code.',
  })
  @ApiOkResponse({ type: ApprovalResultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Already decided', type: ErrorResponseDto })
  approve(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<ApprovalResultDto> {
    return this.approvals.approve(ctx, id);
  }

  @Post('approvals/:id/reject')
  @HttpCode(200)
  @Authenticated('user.approval.reject')
  @ApiOperation({ summary: 'Reject another admin’s request' })
  @ApiOkResponse({ type: ApprovalDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Already decided', type: ErrorResponseDto })
  reject(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<ApprovalDto> {
    return this.approvals.reject(ctx, id);
  }

  @Post(':id/password-reset')
  @HttpCode(202)
  @Authenticated('user.approval.request')
  @ApiOperation({
    summary: 'Request a password reset by enrollment (two-person rule)',
    description:
      'Once a second admin approves, the old password stops working and the holder sets a new one with both halves of the enrollment code.',
  })
  @ApiAcceptedResponse({ type: ApprovalResultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  passwordReset(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<ApprovalResultDto> {
    return this.approvals.requestPasswordReset(ctx, id);
  }

  @Patch(':id')
  @Authenticated('user.update')
  @ApiOperation({
    summary: 'Change role, office, approval, status or password (revokes the user’s sessions)',
    description:
      'With TWO_PERSON_RULE on, enabling, or changing the role or office of, a caseworker, supervisor or admin ' +
      'account answers 202 with an approval request; setting such an account’s password is refused (400).',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiAcceptedResponse({ description: 'Two-person rule: awaiting a second admin', type: ApprovalResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Would leave no active admin', type: ErrorResponseDto })
  async update(
    @Param('id', uuidPipe) id: string,
    @Body() body: UpdateUserDto,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserDto | ApprovalResultDto> {
    if (!this.approvals.enabled) return this.users.update(ctx, id, body);
    const result = await this.approvals.update(ctx, id, body);
    if ('approval' in result) void reply.status(202);
    return result;
  }
}

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class EnrollController {
  constructor(private readonly enrollment: EnrollmentService) {}

  @Post('enroll')
  @HttpCode(204)
  @Public('user.enroll')
  @ApiOperation({
    summary: 'Set your own password with both halves of your enrollment code (two-person rule)',
  })
  @ApiNoContentResponse({ description: 'Password set; log in with it' })
  @ApiBadRequestResponse({ description: 'Password policy', type: ErrorResponseDto })
  @ApiUnauthorizedResponse({
    description: 'Unknown user, wrong or expired code (same body)',
    type: ErrorResponseDto,
  })
  @ApiTooManyRequestsResponse({ description: 'Too many failures; see Retry-After', type: ErrorResponseDto })
  async enroll(@Body() body: EnrollDto, @Ctx() ctx: RequestContext): Promise<void> {
    await this.enrollment.enroll(ctx, body);
  }
}
