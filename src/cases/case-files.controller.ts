import { Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { Authenticated } from '../auth/access.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { DomainError } from '../common/errors.js';
import { Ctx, type AppRequest, type RequestContext } from '../common/request-context.js';
import { CaseExportService, checkPassphrase } from './case-export.service.js';
import { CaseImportService, IMPORT_LIMITS, type ImportFormat } from './case-import.service.js';
import { ExportQueryDto, ImportResultDto } from './dto/case-files.dto.js';

const BAD_REQUEST = { description: 'Invalid input; the message names the fields', type: ErrorResponseDto };
const FORMATS: Record<string, ImportFormat> = { 'application/x-ndjson': 'ndjson', 'text/csv': 'csv' };

/** The import format of a Content-Type, or 415 (another type, or a charset other than UTF-8). */
function importFormat(contentType: string | undefined): ImportFormat {
  const [type, ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const format = FORMATS[type];
  const charset = params.find((param) => param.startsWith('charset='))?.slice('charset='.length);
  if (format === undefined || (charset !== undefined && !['utf-8', 'utf8', '"utf-8"'].includes(charset))) {
    throw new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Content-Type must be application/x-ndjson or text/csv (UTF-8)',
    );
  }
  return format;
}

@ApiTags('cases')
@Controller({ path: 'cases', version: '1' })
export class CaseFilesController {
  constructor(
    private readonly importer: CaseImportService,
    private readonly exporter: CaseExportService,
  ) {}

  @Post('import')
  @HttpCode(200)
  @Authenticated('case.import')
  @ApiOperation({
    summary:
      'Bulk import into the caller’s office: NDJSON create bodies or CSV records (the export’s columns)',
    description:
      `Streamed. At most ${IMPORT_LIMITS.maxBytes} bytes, ${IMPORT_LIMITS.maxRecords} records and ` +
      `${IMPORT_LIMITS.maxRecordBytes} bytes per record (413 beyond). Each valid record becomes a case with ` +
      'its own case.create event; each invalid one is reported with its line and the names of its bad fields. ' +
      'A record may carry idempotencyKey (an NDJSON key or a CSV column); without one, a key derived from its ' +
      'content is used, so re-sending a file within 24 hours creates nothing twice.',
  })
  @ApiConsumes('application/x-ndjson', 'text/csv')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiBadRequestResponse({
    description: 'The CSV header is malformed or names an unknown column',
    type: ErrorResponseDto,
  })
  @ApiPayloadTooLargeResponse({ description: 'Beyond the byte or record limit', type: ErrorResponseDto })
  @ApiResponse({ status: 415, description: 'Another content type or charset', type: ErrorResponseDto })
  async import(
    @Req() request: AppRequest,
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportResultDto> {
    const format = importFormat(contentType);
    if (contentLength !== undefined && Number(contentLength) > IMPORT_LIMITS.maxBytes) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `The body exceeds ${IMPORT_LIMITS.maxBytes} bytes`);
    }
    const body: unknown = request.body;
    if (!(body instanceof Readable)) {
      throw new DomainError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Content-Type must be application/x-ndjson or text/csv',
      );
    }
    return this.importer.import(ctx, body as AsyncIterable<Buffer>, format);
  }

  @Get('export')
  @Authenticated('case.export')
  @ApiOperation({
    summary: 'The caller’s office’s cases as the caller may read them, encrypted with age to a passphrase',
    description:
      'CSV columns use CTDC names and codes (multi-valued attributes as one 0/1 column per code), identity ' +
      'columns last; NDJSON lines are the cases as GET /v1/cases/:id returns them. The file is in the age ' +
      'format (age-encryption.org/v1, scrypt recipient): open it with `age -d`. The audit event names the ' +
      'exported cases.',
  })
  @ApiHeader({
    name: 'X-Export-Passphrase',
    required: true,
    description: 'At least 12 characters; the file opens only with it (never put it in a URL)',
    schema: { type: 'string', minLength: 12, maxLength: 1024 },
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({
    description: 'The age-encrypted file',
    schema: { type: 'string', format: 'binary' },
    headers: {
      'Content-Disposition': {
        description: 'attachment; filename="cases-<date>.<format>.age"',
        schema: { type: 'string' },
      },
    },
  })
  @ApiBadRequestResponse(BAD_REQUEST)
  async export(
    @Query() query: ExportQueryDto,
    @Headers('x-export-passphrase') passphrase: string | undefined,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Readable> {
    const secret = checkPassphrase(passphrase);
    const file = await this.exporter.export(ctx, query.format ?? 'csv', secret);
    void reply
      .header('Content-Type', 'application/octet-stream')
      .header('Content-Disposition', `attachment; filename="${file.filename}"`)
      .header('X-Export-Count', String(file.count));
    return file.stream;
  }
}
