import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../auth/access.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { AggregatesService, type BudgetView } from './aggregates.service.js';
import { answerFormat } from './answer-format.js';
import { AnswerFormatQueryDto } from './dto/aggregate-metadata.dto.js';
import { ReleaseDocumentsService } from './release-documents.service.js';
import { releaseQuery } from './release-query.js';
import { ApiAnswerResponse, sendDocument } from './release-response.js';
import { AggregateAnswerDto, BudgetDto } from './dto/aggregate-answer.dto.js';
import { AggregateQueryDto } from './dto/aggregate-query.dto.js';

@ApiTags('aggregates')
@ApiExtraModels(AggregateAnswerDto)
@Controller({ path: 'aggregates', version: '1' })
export class AggregatesController {
  constructor(
    private readonly aggregates: AggregatesService,
    private readonly releases: ReleaseDocumentsService,
  ) {}

  /** The body is validated by the service (not the global pipe) so that refused queries are audited too. */
  @Post('query')
  @HttpCode(200)
  @Authenticated('aggregate.query')
  @ApiOperation({
    summary:
      'Protected counts of consenting cases (k threshold, complementary suppression, discrete Gaussian noise under a zCDP budget)',
    description:
      'Counts below k are not listed (possibly none). Every released count carries noise; the answer says what it cost. ' +
      'The identical query at the same data version returns the stored answer at no cost. ' +
      'Researchers whose approval has ended, or whose budget cannot pay for the query, get 403.',
  })
  @ApiBody({
    type: AggregateQueryDto,
    examples: {
      panel: {
        summary: 'Citizenship sub-region × year panel, 2018-2022',
        value: {
          dimensions: ['citizenshipSubregion', 'yearOfRegistration'],
          filters: { yearOfRegistration: { gte: 2018, lte: 2022 } },
        },
      },
      origins: {
        summary: 'Country of citizenship × year, forced labour in two countries of exploitation',
        value: {
          dimensions: ['citizenship', 'yearOfRegistration'],
          filters: {
            yearOfRegistration: { gte: 2015, lte: 2022 },
            exploitationTypes: ['forcedLabour'],
            countryOfExploitation: ['MY', 'TH'],
          },
        },
      },
      total: { summary: 'Only the total', value: { dimensions: [] } },
    },
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiAnswerResponse()
  @ApiBadRequestResponse({
    description:
      'Unknown dimension, filter, code or accuracy; too many cells; for CSV, more than 1,000,000 rows (add a year filter)',
    type: ErrorResponseDto,
  })
  @ApiUnprocessableEntityResponse({
    description:
      'The answer cannot be protected (e.g. two multi-valued dimensions) or its protection ran over its time budget: narrow the query (audited, nothing charged)',
    type: ErrorResponseDto,
  })
  @ApiForbiddenResponse({
    description: 'Approval ended, or the privacy budget is exhausted',
    type: ErrorResponseDto,
  })
  async query(
    @Body() body: object,
    @Query() params: AnswerFormatQueryDto,
    @Headers('accept') accept: string | undefined,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | Buffer> {
    const format = answerFormat(params.format, accept);
    const answer = await this.aggregates.query(ctx, body, { csv: format === 'csv' });
    // Signed and kept as the caller's release document (GET /v1/aggregates/answers/:queryId).
    const document = await this.releases.publishAlone(ctx.actor!.id, answer, releaseQuery(body), new Date());
    return sendDocument(reply, await this.releases.render(document, format));
  }

  @Get('budget')
  @Authenticated('aggregate.budget')
  @ApiOperation({
    summary: "The researcher's privacy-loss budget (zCDP rho) for the current approval period",
  })
  @ApiOkResponse({ type: BudgetDto })
  budget(@Ctx() ctx: RequestContext): Promise<BudgetView> {
    return this.aggregates.budget(ctx);
  }
}
