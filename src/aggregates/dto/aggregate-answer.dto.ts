import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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
    items: {
      type: 'object',
      additionalProperties: true,
      properties: { count: { type: 'integer', nullable: true }, suppressed: { type: 'boolean' } },
    },
    description: 'One entry per non-empty combination; each dimension named is a key',
  })
  cells!: Record<string, unknown>[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'object', additionalProperties: true } },
    description: 'With two or more dimensions: one list per dimension',
  })
  margins?: Record<string, Record<string, unknown>[]>;

  @ApiProperty({ type: ReleasedCountDto })
  total!: ReleasedCountDto;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What was applied, citable' })
  disclosureControl!: Record<string, unknown>;

  @ApiProperty({ format: 'uuid' })
  queryId!: string;
}
