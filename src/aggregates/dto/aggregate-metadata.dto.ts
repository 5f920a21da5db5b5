import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsOneOf } from '../../common/validators.js';
import { validationFailed } from '../../common/errors.js';
import { DIMENSION_NAMES } from '../dimensions.js';

/**
 * A route without query parameters: any parameter is a 400 naming it (as on every route). An empty DTO
 * would be refused by forbidUnknownValues, so the route reads the raw query and passes it here.
 */
export function assertNoQueryParameters(query: Record<string, unknown>): void {
  const names = Object.keys(query);
  if (names.length > 0) {
    throw validationFailed(
      `Validation failed: ${names.map((name) => `property ${name} should not exist`).join('; ')}`,
    );
  }
}

export const ANSWER_FORMATS = ['json', 'csv'] as const;
export type AnswerFormat = (typeof ANSWER_FORMATS)[number];

/** `?format=json|csv` (the alternative to `Accept: text/csv`). */
export class AnswerFormatQueryDto {
  @ApiPropertyOptional({
    enum: ANSWER_FORMATS,
    description: 'csv: the tidy CSV of the answer (same as Accept: text/csv); json: the default',
  })
  @IsOptional()
  @IsOneOf(ANSWER_FORMATS, { message: 'format must be json or csv' })
  format?: AnswerFormat;
}

export class CodeListingDto {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'boolean' }], example: 'PH' })
  code!: string | boolean;

  @ApiProperty({ example: 'Philippines' })
  label!: string;
}

export class YearRangeListingDto {
  @ApiProperty({ example: 1900 }) min!: number;
  @ApiProperty({ example: 2100 }) max!: number;
}

export class GroupingDto {
  @ApiProperty({ enum: DIMENSION_NAMES, example: 'citizenship' })
  dimension!: string;

  @ApiProperty({ enum: ['region', 'subregion'] })
  level!: 'region' | 'subregion';

  @ApiProperty({ description: 'Where the grouping comes from (UN M49)' })
  source!: string;
}

export class DimensionListingDto {
  @ApiProperty({ enum: DIMENSION_NAMES, example: 'citizenshipSubregion' })
  name!: string;

  @ApiProperty({
    enum: ['single', 'multiValued', 'year', 'boolean'],
    description: 'multiValued: a case counts once per value of its list (and under notSpecified when empty)',
  })
  kind!: string;

  @ApiProperty({ enum: ['codes', 'yearsOrRange'], description: 'How a filter on this dimension is written' })
  filter!: string;

  @ApiPropertyOptional({ type: [CodeListingDto], description: 'Absent for years (see years)' })
  codes?: CodeListingDto[];

  @ApiPropertyOptional({ type: YearRangeListingDto })
  years?: YearRangeListingDto;

  @ApiPropertyOptional({ type: GroupingDto, description: 'For a geographic grouping: what it groups' })
  groups?: GroupingDto;

  @ApiProperty()
  description!: string;
}

export class QueryLimitsDto {
  @ApiProperty({ example: 3 }) maxDimensions!: number;
  @ApiProperty({ example: 50000, description: 'Non-empty combinations of the dimensions, after filters' })
  maxCells!: number;
}

export class DimensionsCatalogueDto {
  @ApiProperty({ type: [DimensionListingDto] })
  dimensions!: DimensionListingDto[];

  @ApiProperty({ type: QueryLimitsDto })
  limits!: QueryLimitsDto;

  @ApiProperty({ type: [String] })
  notes!: string[];
}

export class ReleaseKeyDto {
  @ApiProperty({ enum: ['Ed25519'] })
  algorithm!: 'Ed25519';

  @ApiProperty({ example: '3f2a9c0d1e4b5a67', description: 'Named by keyId in every release manifest' })
  keyId!: string;

  @ApiProperty({
    description: 'SubjectPublicKeyInfo PEM: save it as a file for `npm run release:verify`',
    example: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA...\n-----END PUBLIC KEY-----\n',
  })
  publicKeyPem!: string;
}
