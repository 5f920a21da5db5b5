import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { uuidPipe } from '../common/uuid.pipe.js';
import { Authenticated, Public } from '../auth/access.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { AggregateMetadataService } from './aggregate-metadata.service.js';
import { answerFormat } from './answer-format.js';
import { ReleaseDocumentsService } from './release-documents.service.js';
import { ApiAnswerResponse, sendDocument } from './release-response.js';
import type { DimensionsCatalogue } from './dimension-catalogue.js';
import {
  AnswerFormatQueryDto,
  assertNoQueryParameters,
  DimensionsCatalogueDto,
  ReleaseKeyDto,
} from './dto/aggregate-metadata.dto.js';

@ApiTags('aggregates')
@Controller({ path: 'aggregates', version: '1' })
export class AggregateMetadataController {
  constructor(
    private readonly metadata: AggregateMetadataService,
    private readonly releases: ReleaseDocumentsService,
  ) {}

  @Get('dimensions')
  @Authenticated('aggregate.dimensions')
  @ApiOperation({
    summary:
      'Every dimension and filter of aggregate queries, with its kind, codes and labels, and the limits',
  })
  @ApiOkResponse({ type: DimensionsCatalogueDto })
  @ApiBadRequestResponse({ description: 'A query parameter (this route takes none)', type: ErrorResponseDto })
  dimensions(
    @Query() query: Record<string, unknown>,
    @Ctx() ctx: RequestContext,
  ): Promise<DimensionsCatalogue> {
    assertNoQueryParameters(query);
    return this.metadata.dimensions(ctx);
  }

  @Get('public-key')
  @Public()
  @ApiOperation({
    summary: 'The Ed25519 public key that verifies the signed release manifest of every aggregate answer',
    description:
      'Public, so that a journal or reviewer can check a released table offline (npm run release:verify).',
  })
  @ApiOkResponse({ type: ReleaseKeyDto })
  @ApiBadRequestResponse({ description: 'A query parameter (this route takes none)', type: ErrorResponseDto })
  publicKey(@Query() query: Record<string, unknown>): ReleaseKeyDto {
    assertNoQueryParameters(query);
    return this.metadata.publicKey();
  }

  @Get('answers/:queryId')
  @Authenticated('aggregate.answer')
  @ApiOperation({
    summary: 'A stored answer again, byte for byte as first released to the caller, at no cost (JSON or CSV)',
    description: 'Only the researcher who received the answer may fetch it; any other id is 404.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiAnswerResponse()
  @ApiBadRequestResponse({ description: 'Not a UUID; an unknown query parameter', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'No answer of the caller with this id', type: ErrorResponseDto })
  async answer(
    @Param('queryId', uuidPipe) queryId: string,
    @Query() params: AnswerFormatQueryDto,
    @Headers('accept') accept: string | undefined,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | Buffer> {
    const rendered = await this.releases.fetch(ctx, queryId, answerFormat(params.format, accept));
    return sendDocument(reply, rendered);
  }
}
