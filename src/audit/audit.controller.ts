import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Authenticated, Public } from '../auth/access.decorator.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { parseTimestamp, toTimestamp } from '../common/timestamp.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { jwkOf, KEY_ID_PATTERN } from '../crypto/index.js';
import { AuditCheckpointService } from './audit-checkpoints.service.js';
import { AuditVerifyService } from './audit-verify.service.js';
import { AuditService } from './audit.service.js';
import {
  AuditEventPageDto,
  AuditEventsQueryDto,
  AuditRangeQueryDto,
  CheckpointPageDto,
  CheckpointsQueryDto,
  PublicKeysDto,
  VerifyQueryDto,
  VerifyResultDto,
} from './dto/audit.dto.js';

type Order = 'asc' | 'desc';
/** A page cursor: the last seq shown and the order it was shown in (a cursor works only in its own order). */
const cursorOf =
  (order: Order) =>
  (v: unknown): v is [number, Order] =>
    Array.isArray(v) &&
    v.length === 2 &&
    Number.isSafeInteger(v[0]) &&
    (v[0] as number) >= 0 &&
    v[1] === order;

/**
 * A checkpoint page cursor: the last checkpoint shown, [seq, 'desc', at, keyId]. Its seq alone is not enough:
 * several checkpoints share a seq (the heads' highest, which stays while a stripe behind it catches up).
 */
const isCheckpointCursor = (v: unknown): v is [number, 'desc', string, string] =>
  Array.isArray(v) &&
  v.length === 4 &&
  cursorOf('desc')(v.slice(0, 2)) &&
  parseTimestamp(v[2]) !== null &&
  typeof v[3] === 'string' &&
  KEY_ID_PATTERN.test(v[3]);

@ApiTags('audit')
@Controller({ path: 'audit', version: '1' })
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly verifier: AuditVerifyService,
    private readonly checkpoints: AuditCheckpointService,
  ) {}

  @Get('events')
  @Authenticated('audit.read')
  @ApiOperation({
    summary: 'Audit events in seq order (or newest first), filtered, with cursor pagination',
    description:
      'Events commit out of seq order (16 stripes append at once), so a page shows only events at or below ' +
      'the settled horizon, the largest seq at and below which every event is committed or rolled back; ' +
      'taking it waits for the appends in flight (at most a few seconds, then 503 with Retry-After). ' +
      'nextCursor: after a full page, its last seq (either order); null after the last page: the walk then ' +
      "holds every matching event up to that page's horizon. Nothing at or below a horizon commits later, so " +
      'following nextCursor never skips an event; events committed after the last page belong to a new walk.',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async events(@Query() query: AuditEventsQueryDto, @Ctx() ctx: RequestContext): Promise<AuditEventPageDto> {
    const order = query.order ?? 'asc';
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, cursorOf(order))[0];
    const { items, nextSeq } = await this.audit.list(
      ctx,
      {
        actorId: query.actorId,
        actions: query.action,
        resourceId: query.resourceId,
        outcome: query.outcome,
        from: toTimestamp(query.from),
        to: toTimestamp(query.to),
      },
      { limit: query.limit ?? 100, order, cursor },
    );
    return {
      items: items.map(
        ({ prevHash: _prevHash, hashVersion: _version, stripe: _stripe, stripeSeq: _stripeSeq, ...event }) =>
          event,
      ),
      nextCursor: nextSeq === null ? null : encodeCursor([nextSeq, order]),
    };
  }

  @Get('events/export')
  @Authenticated('audit.export')
  @Header('Content-Type', 'application/x-ndjson')
  @ApiOperation({
    summary: 'Stream the events of a time range as JSON Lines, then the signed checkpoints that cover them',
    description:
      'A header line (`{"type":"export",from,to,upToSeq,settledSeq}`: every event of the range with seq up to ' +
      'settledSeq is in the export; taking it waits for the appends in flight, at most a few seconds, then 503 ' +
      'with Retry-After), one event per line (with prevHash, hash, hashVersion, stripe and stripeSeq), then ' +
      'one line per checkpoint (`{"type":"checkpoint",seq,headHash,at,keyId,signature,heads}`). Check it with ' +
      '`npm run audit:verify`.',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'Events, then checkpoints, one JSON object per line' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async export(@Query() query: AuditRangeQueryDto, @Ctx() ctx: RequestContext): Promise<StreamableFile> {
    const stream = await this.verifier.export(ctx, {
      from: toTimestamp(query.from),
      to: toTimestamp(query.to),
    });
    return new StreamableFile(stream, { type: 'application/x-ndjson' });
  }

  @Get('verify')
  @Authenticated('audit.verify')
  @ApiOperation({
    summary: 'Recompute the hash chain and hold it against the signed checkpoints',
    description:
      'ok: the head hash (a checkpoint is signed). A broken chain, a chain that disagrees with a signed ' +
      'checkpoint, or missing newest events: firstBadSeq. An intact chain that does not contain expectHead: ' +
      'headMismatch with intactThroughSeq.',
  })
  @ApiOkResponse({ type: VerifyResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  verify(@Query() query: VerifyQueryDto, @Ctx() ctx: RequestContext): Promise<VerifyResultDto> {
    return this.verifier.verify(ctx, query.expectHead);
  }

  @Get('checkpoints')
  @Authenticated('audit.checkpoints')
  @ApiOperation({
    summary:
      'Signed checkpoints {seq, headHash, at, keyId, signature, heads} (every stripe head), newest first',
  })
  @ApiOkResponse({ type: CheckpointPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async listCheckpoints(
    @Query() query: CheckpointsQueryDto,
    @Ctx() ctx: RequestContext,
  ): Promise<CheckpointPageDto> {
    const limit = query.limit ?? 100;
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isCheckpointCursor);
    const page = await this.checkpoints.page(ctx, {
      limit,
      after: cursor && { seq: cursor[0], at: parseTimestamp(cursor[2])!, keyId: cursor[3] },
    });
    const last = page.last;
    return {
      items: page.items,
      nextCursor: last === null ? null : encodeCursor([last.seq, 'desc', last.at, last.keyId]),
    };
  }

  @Get('public-key')
  @Public()
  @ApiOperation({
    summary: 'The Ed25519 public keys that verify checkpoints (PEM and JWK), the current one marked',
  })
  @ApiOkResponse({ type: PublicKeysDto })
  publicKey(): PublicKeysDto {
    const keys = this.checkpoints.publicKeys();
    const current = keys.find((key) => key.current)!;
    return {
      algorithm: 'Ed25519',
      keyId: current.keyId,
      publicKeyPem: current.publicKeyPem,
      keys: keys.map((key) => ({
        ...jwkOf(key.publicKeyPem),
        kid: key.keyId,
        alg: 'EdDSA',
        use: 'sig',
        publicKeyPem: key.publicKeyPem,
        current: key.current,
      })),
    };
  }
}
