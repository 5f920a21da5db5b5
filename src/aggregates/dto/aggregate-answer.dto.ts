import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CELL_SCHEMA,
  DisclosureControlDto,
  MARGINS_PROPERTY,
  ReleaseManifestDto,
} from './aggregate-release.dto.js';

export class ReleasedCountDto {
  @ApiProperty({
    nullable: true,
    type: 'integer',
    description: 'Noisy count (never below k); null when withheld by complementary suppression',
  })
  count!: number | null;

  @ApiProperty()
  suppressed!: boolean;
}

export class AnswerBudgetDto {
  @ApiProperty({
    description: 'rho (zCDP) charged for this answer; 0 for an identical repeat',
    example: 0.02,
  })
  charged!: number;

  @ApiProperty({ example: 0.31 }) remaining!: number;
  @ApiProperty({ example: 0.33 }) total!: number;
  @ApiProperty({ format: 'date' }) periodEnd!: string;
}

export class BudgetDto {
  @ApiProperty({ example: 0.02 }) spent!: number;
  @ApiProperty({ example: 0.31 }) remaining!: number;
  @ApiProperty({ example: 0.33 }) total!: number;
  @ApiProperty({ format: 'date' }) periodEnd!: string;
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

  @ApiPropertyOptional({ type: ReleasedCountDto, description: 'Absent when the total is below k' })
  total?: ReleasedCountDto;

  @ApiProperty({ type: DisclosureControlDto, description: 'What was applied, citable' })
  disclosureControl!: DisclosureControlDto;

  @ApiProperty({ type: AnswerBudgetDto })
  budget!: AnswerBudgetDto;

  @ApiProperty({ format: 'uuid', description: 'The stored answer (the same for an identical repeat)' })
  queryId!: string;

  @ApiProperty({
    type: ReleaseManifestDto,
    description:
      'The signed release manifest: verify offline with npm run release:verify and GET /v1/aggregates/public-key',
  })
  manifest!: ReleaseManifestDto;
}
