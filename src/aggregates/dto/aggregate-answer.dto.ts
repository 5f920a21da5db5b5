import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CELL_SCHEMA, MARGINS_PROPERTY, ReleaseManifestDto } from './aggregate-release.dto.js';

export class ReleasedCountDto {
  @ApiProperty({ nullable: true, type: Number, description: 'Perturbed count; null when suppressed' })
  count!: number | null;

  @ApiProperty()
  suppressed!: boolean;
}

export class AggregateAnswerDto {
  @ApiProperty({ example: 11 })
  k!: number;

  @ApiProperty({
    type: 'array',
    items: CELL_SCHEMA,
    description: 'One entry per listed combination; each has exactly the dimensions of the query as keys',
  })
  cells!: Record<string, unknown>[];

  @ApiPropertyOptional(MARGINS_PROPERTY)
  margins?: Record<string, Record<string, unknown>[]>;

  @ApiProperty({ type: ReleasedCountDto })
  total!: ReleasedCountDto;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What was applied, citable' })
  disclosureControl!: Record<string, unknown>;

  @ApiProperty({ format: 'uuid' })
  queryId!: string;

  @ApiProperty({
    type: ReleaseManifestDto,
    description:
      'The signed release manifest: verify offline with npm run release:verify and GET /v1/aggregates/public-key',
  })
  manifest!: ReleaseManifestDto;
}
