import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/access.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { AggregatesService, type AggregateAnswer } from './aggregates.service.js';
import { AggregateAnswerDto } from './dto/aggregate-answer.dto.js';
import { AggregateQueryDto } from './dto/aggregate-query.dto.js';

@ApiTags('aggregates')
@Controller({ path: 'aggregates', version: '1' })
export class AggregatesController {
  constructor(private readonly aggregates: AggregatesService) {}

  /** The body is validated by the service (not the global pipe) so that refused queries are audited too. */
  @Post('query')
  @HttpCode(200)
  @Authenticated('aggregate.query')
  @ApiOperation({
    summary:
      'Protected counts of consenting cases (k-anonymity, complementary suppression, cell-key perturbation)',
    description: 'Researchers whose approval has ended get 403.',
  })
  @ApiBody({ type: AggregateQueryDto })
  @ApiOkResponse({ type: AggregateAnswerDto })
  @ApiBadRequestResponse({
    description: 'Unknown dimension, filter or code; too many cells',
    type: ErrorResponseDto,
  })
  query(@Body() body: object, @Ctx() ctx: RequestContext): Promise<AggregateAnswer> {
    return this.aggregates.query(ctx, body);
  }
}
