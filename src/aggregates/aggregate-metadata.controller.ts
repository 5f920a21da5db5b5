import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, Public } from '../auth/access.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type RequestContext } from '../common/request-context.js';
import { AggregateMetadataService } from './aggregate-metadata.service.js';
import type { DimensionsCatalogue } from './dimension-catalogue.js';
import {
  assertNoQueryParameters,
  DimensionsCatalogueDto,
  ReleaseKeyDto,
} from './dto/aggregate-metadata.dto.js';

@ApiTags('aggregates')
@Controller({ path: 'aggregates', version: '1' })
export class AggregateMetadataController {
  constructor(private readonly metadata: AggregateMetadataService) {}

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
}
