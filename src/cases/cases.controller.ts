import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiPreconditionFailedResponse,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../auth/access.decorator.js';
import { validationFailed } from '../common/errors.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { MERGE_PATCH_TYPE } from '../common/json-body.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { uuidPipe } from '../common/uuid.pipe.js';
import { CaseCreateService } from './case-create.service.js';
import { CaseDuplicatesService, type DuplicateHints } from './case-duplicates.service.js';
import { CaseSearchService, type CasePage } from './case-search.service.js';
import { CaseUpdateService } from './case-update.service.js';
import type { CaseView } from './case-view.js';
import { CasesService, type VersionedCase } from './cases.service.js';
import { IDEMPOTENCY_KEY } from './case-idempotency.js';
import { CreateCaseDto, ListCasesQueryDto, UpdateCaseDto } from './dto/case.dto.js';
import {
  CaseDto,
  CasePageDto,
  CreatedCaseDto,
  DuplicatesConfirmationDto,
  DuplicatesDto,
} from './dto/case-response.dto.js';
import { etagOf } from './if-match.js';

const ETAG_HEADER = {
  ETag: {
    description: 'The case version as a strong entity tag, "<version>"',
    schema: { type: 'string', example: '"1"' },
  },
};
const NOT_FOUND = { description: 'No such case in the caller’s office', type: ErrorResponseDto };
const BAD_REQUEST = { description: 'Invalid input; the message names the fields', type: ErrorResponseDto };

const withEtag = (reply: FastifyReply, result: VersionedCase): CaseView => {
  void reply.header('ETag', etagOf(result.version));
  return result.view;
};

@ApiTags('cases')
@Controller({ path: 'cases', version: '1' })
export class CasesController {
  constructor(
    private readonly cases: CasesService,
    private readonly creator: CaseCreateService,
    private readonly updater: CaseUpdateService,
    private readonly search: CaseSearchService,
    private readonly dupes: CaseDuplicatesService,
  ) {}

  @Post()
  @Authenticated('case.create', { sessionInStatement: true })
  @ApiOperation({ summary: 'Register a case in the caller’s office' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1–128 printable characters; a repeat by the same user within 24 hours returns the original case',
    schema: { type: 'string', minLength: 1, maxLength: 128 },
  })
  @ApiCreatedResponse({
    type: CreatedCaseDto,
    headers: {
      ...ETAG_HEADER,
      Location: { description: 'The new case, /v1/cases/<id>', schema: { type: 'string' } },
    },
    description: 'The case as the caller may see it, with duplicate hints',
  })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiConflictResponse({
    description: 'A request with this Idempotency-Key is in progress',
    type: ErrorResponseDto,
  })
  @ApiPayloadTooLargeResponse({ description: 'Body too large', type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    description: 'Idempotency-Key already used with another body',
    type: ErrorResponseDto,
  })
  async create(
    @Body() body: CreateCaseDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CaseView & { duplicates: DuplicateHints }> {
    if (
      idempotencyKey !== undefined &&
      (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))
    ) {
      throw validationFailed('Validation failed: Idempotency-Key must be 1-128 printable characters');
    }
    const created = await this.creator.create(ctx, body, idempotencyKey);
    void reply.header('Location', `/v1/cases/${String(created.view.id)}`);
    return { ...withEtag(reply, created), duplicates: created.duplicates };
  }

  @Get()
  @Authenticated('case.list', { sessionInStatement: true })
  @ApiOperation({ summary: 'List and search the caller’s office’s cases (exact match on normalized values)' })
  @ApiOkResponse({ type: CasePageDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  list(@Query() query: ListCasesQueryDto, @Ctx() ctx: RequestContext): Promise<CasePage> {
    return this.search.list(ctx, query);
  }

  @Get(':id')
  @Authenticated('case.read', { sessionInStatement: true })
  @ApiOperation({ summary: 'A case as the caller’s role may see it (auditors: metadata and consent)' })
  @ApiOkResponse({ type: CaseDto, headers: ETAG_HEADER })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  async get(
    @Param('id', uuidPipe) id: string,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CaseView> {
    return withEtag(reply, await this.cases.get(ctx, id));
  }

  @Get(':id/duplicates')
  @Authenticated('case.duplicates')
  @ApiOperation({
    summary: 'Possible duplicates: ids in the caller’s office, codes and counts of other offices',
    description:
      'Matches on the pseudonym or a keyed phonetic key of the names (never plaintext). Other offices are ' +
      'shown only for a case older than the embargo or confirmed by a supervisor; lookups are rate-limited ' +
      'per user (429 with Retry-After) and every lookup is audited with both offices.',
  })
  @ApiOkResponse({ type: DuplicatesDto })
  @ApiTooManyRequestsResponse({ description: 'Too many duplicate lookups', type: ErrorResponseDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  duplicates(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<DuplicatesDto> {
    return this.dupes.duplicates(ctx, id);
  }

  @Post(':id/duplicates/confirm')
  @HttpCode(200)
  @Authenticated('case.duplicates.confirm')
  @ApiOperation({
    summary: 'Release the cross-office duplicate hints of a case before its embargo ends (supervisor)',
  })
  @ApiOkResponse({ type: DuplicatesConfirmationDto })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ description: 'The case is erased', type: ErrorResponseDto })
  confirmDuplicates(
    @Param('id', uuidPipe) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<DuplicatesConfirmationDto> {
    return this.dupes.confirm(ctx, id);
  }

  @Patch(':id')
  @Authenticated('case.update')
  @ApiOperation({ summary: 'Change fields of a case (optimistic locking with If-Match)' })
  @ApiConsumes('application/json', MERGE_PATCH_TYPE)
  @ApiHeader({
    name: 'If-Match',
    required: true,
    description: 'The ETag of the version the change is based on, "<version>"',
    schema: { type: 'string', example: '"1"' },
  })
  @ApiOkResponse({ type: CaseDto, headers: ETAG_HEADER })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ description: 'The case is erased', type: ErrorResponseDto })
  @ApiPreconditionFailedResponse({ description: 'If-Match names an old version', type: ErrorResponseDto })
  @ApiPayloadTooLargeResponse({ description: 'Body too large', type: ErrorResponseDto })
  @ApiResponse({ status: 428, description: 'If-Match is missing', type: ErrorResponseDto })
  async update(
    @Param('id', uuidPipe) id: string,
    @Body() body: UpdateCaseDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CaseView> {
    return withEtag(reply, await this.updater.update(ctx, id, body, ifMatch));
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated('case.erase')
  @ApiOperation({ summary: 'Erase a case: identity and narrative become unrecoverable; metadata stays' })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ description: 'The case is already erased', type: ErrorResponseDto })
  erase(@Param('id', uuidPipe) id: string, @Ctx() ctx: RequestContext): Promise<void> {
    return this.cases.erase(ctx, id);
  }
}
