import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/access.decorator.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { AuditService } from './audit.service.js';
import {
  AuditEventPageDto,
  AuditEventsQueryDto,
  AuditRangeQueryDto,
  VerifyQueryDto,
  VerifyResultDto,
} from './dto/audit.dto.js';

const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const toDate = (v?: string) => (v === undefined ? undefined : new Date(v));

@ApiTags('audit')
@Controller({ path: 'audit', version: '1' })
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events')
  @Authenticated('audit.read')
  @ApiOperation({ summary: 'Audit events in commit order, filtered, with cursor pagination' })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async events(@Query() query: AuditEventsQueryDto, @Ctx() ctx: RequestContext): Promise<AuditEventPageDto> {
    const afterSeq = query.cursor === undefined ? 0 : decodeCursor(query.cursor, isSeq);
    const { items, lastSeq } = await this.audit.list(
      ctx,
      {
        actorId: query.actorId,
        action: query.action,
        resourceId: query.resourceId,
        from: toDate(query.from),
        to: toDate(query.to),
      },
      { limit: query.limit ?? 100, afterSeq },
    );
    return {
      items: items.map(({ prevHash: _prevHash, ...event }) => event),
      nextCursor: lastSeq === null ? null : encodeCursor(lastSeq),
    };
  }

  @Get('events/export')
  @Authenticated('audit.export')
  @Header('Content-Type', 'application/x-ndjson')
  @ApiOperation({ summary: 'Stream the events of a time range as JSON Lines (one event per line)' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'One audit event (with prevHash) per line' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async export(@Query() query: AuditRangeQueryDto, @Ctx() ctx: RequestContext): Promise<StreamableFile> {
    const stream = await this.audit.export(ctx, { from: toDate(query.from), to: toDate(query.to) });
    return new StreamableFile(stream, { type: 'application/x-ndjson' });
  }

  @Get('verify')
  @Authenticated('audit.verify')
  @ApiOperation({ summary: 'Recompute the hash chain; report the head, or the first bad seq' })
  @ApiOkResponse({ type: VerifyResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  verify(@Query() query: VerifyQueryDto, @Ctx() ctx: RequestContext): Promise<VerifyResultDto> {
    return this.audit.verify(ctx, query.expectHead);
  }
}
