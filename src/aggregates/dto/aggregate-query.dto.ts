import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsObject,
  IsOptional,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsOneOf } from '../../common/validators.js';
import {
  DIMENSION_NAMES,
  DIMENSIONS,
  MAX_DIMENSIONS,
  MAX_YEAR,
  MIN_YEAR,
  type Dimension,
} from '../dimensions.js';

export interface YearRange {
  gte?: number;
  lte?: number;
}

/** A filter on a coded dimension: a non-empty list of distinct values from its code list. */
const CodeFilter = (dimension: Exclude<Dimension, 'yearOfRegistration'>) => {
  const values = DIMENSIONS[dimension].values as readonly (string | boolean)[];
  return applyDecorators(
    ApiPropertyOptional({
      type: 'array',
      items:
        typeof values[0] === 'boolean'
          ? { oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['unknown'] }] }
          : { type: 'string', enum: values as string[] },
      minItems: 1,
      uniqueItems: true,
    }),
    IsOptional(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(values.length),
    ArrayUnique(),
    IsOneOf(values, {
      each: true,
      message:
        values.length > 20
          ? `each value of ${dimension} must be a code of its list (e.g. ISO 3166-1 alpha-2 or "unknown")`
          : `each value of ${dimension} must be one of: ${values.join(', ')}`,
    }),
  );
};

const isYear = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= MIN_YEAR && (v as number) <= MAX_YEAR;

/** `yearOfRegistration`: a list of distinct years, or `{gte, lte}` (at least one bound, gte ≤ lte). */
const IsYearFilter = () =>
  ValidateBy({
    name: 'isYearFilter',
    validator: {
      validate(value: unknown): boolean {
        if (Array.isArray(value)) {
          return (
            value.length > 0 &&
            value.length <= 201 &&
            value.every(isYear) &&
            new Set(value).size === value.length
          );
        }
        if (typeof value !== 'object' || value === null) return false;
        const keys = Object.keys(value);
        const { gte, lte } = value as YearRange;
        if (keys.length === 0 || keys.some((key) => key !== 'gte' && key !== 'lte')) return false;
        if (gte !== undefined && !isYear(gte)) return false;
        if (lte !== undefined && !isYear(lte)) return false;
        return gte === undefined || lte === undefined || gte <= lte;
      },
      defaultMessage: () =>
        `$property must be a list of years or {gte, lte} with years between ${MIN_YEAR} and ${MAX_YEAR} and gte <= lte`,
    },
  });

export class AggregateFiltersDto {
  @CodeFilter('gender') gender?: string[];
  @CodeFilter('ageBroad') ageBroad?: string[];
  @CodeFilter('majorityStatus') majorityStatus?: string[];
  @CodeFilter('citizenship') citizenship?: string[];
  @CodeFilter('countryOfExploitation') countryOfExploitation?: string[];
  @CodeFilter('citizenshipRegion') citizenshipRegion?: string[];
  @CodeFilter('citizenshipSubregion') citizenshipSubregion?: string[];
  @CodeFilter('countryOfExploitationRegion') countryOfExploitationRegion?: string[];
  @CodeFilter('countryOfExploitationSubregion') countryOfExploitationSubregion?: string[];

  @ApiPropertyOptional({
    oneOf: [
      { type: 'array', items: { type: 'integer', minimum: MIN_YEAR, maximum: MAX_YEAR }, minItems: 1 },
      {
        type: 'object',
        properties: {
          gte: { type: 'integer', minimum: MIN_YEAR, maximum: MAX_YEAR },
          lte: { type: 'integer', minimum: MIN_YEAR, maximum: MAX_YEAR },
        },
        additionalProperties: false,
      },
    ],
  })
  @IsOptional()
  @IsYearFilter()
  yearOfRegistration?: number[] | YearRange;

  @CodeFilter('exploitationTypes') exploitationTypes?: string[];
  @CodeFilter('labourSectors') labourSectors?: string[];
  @CodeFilter('sexualExploitationTypes') sexualExploitationTypes?: string[];
  @CodeFilter('meansOfControl') meansOfControl?: string[];
  @CodeFilter('recruiterRelationships') recruiterRelationships?: string[];
  @CodeFilter('isAbduction') isAbduction?: (boolean | string)[];
}

/** Named accuracies: σ of the noise on every count (a larger σ costs less budget). */
export const ACCURACY_PRESETS = { high: 5, standard: 10, exploratory: 25 } as const;
export type AccuracyPreset = keyof typeof ACCURACY_PRESETS;
export const MIN_SIGMA = 1;
export const MAX_SIGMA = 10_000;

const isSigma = (v: unknown): v is number =>
  typeof v === 'number' &&
  Number.isFinite(v) &&
  v >= MIN_SIGMA &&
  v <= MAX_SIGMA &&
  Math.abs(Math.round(v * 1000) - v * 1000) < 1e-6;

/** `accuracy`: a preset name, or `{sigma}` with σ in MIN_SIGMA..MAX_SIGMA and at most 3 decimals. */
const IsAccuracy = () =>
  ValidateBy({
    name: 'isAccuracy',
    validator: {
      validate(value: unknown): boolean {
        if (typeof value === 'string') return Object.hasOwn(ACCURACY_PRESETS, value);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
        const keys = Object.keys(value);
        return keys.length === 1 && keys[0] === 'sigma' && isSigma((value as { sigma: unknown }).sigma);
      },
      defaultMessage: () =>
        `$property must be one of ${Object.keys(ACCURACY_PRESETS).join(', ')} or {sigma} with sigma between ${MIN_SIGMA} and ${MAX_SIGMA} (at most 3 decimals)`,
    },
  });

export class AggregateQueryDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...DIMENSION_NAMES] },
    maxItems: MAX_DIMENSIONS,
    uniqueItems: true,
    example: ['citizenship', 'gender'],
  })
  @IsArray()
  @ArrayMaxSize(MAX_DIMENSIONS)
  @ArrayUnique()
  @IsOneOf(DIMENSION_NAMES, {
    each: true,
    message: `each dimension must be one of: ${DIMENSION_NAMES.join(', ')}`,
  })
  dimensions!: Dimension[];

  @ApiPropertyOptional({ type: AggregateFiltersDto })
  // Absent is no filter; null is not an object (IsOptional would let it through to the service).
  @ValidateIf((_, value) => value !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => AggregateFiltersDto)
  filters?: AggregateFiltersDto;

  @ApiPropertyOptional({
    description:
      'Standard deviation of the noise on every count: a preset or {sigma}. A larger sigma costs less budget. ' +
      'Default: the service default (standard).',
    oneOf: [
      { type: 'string', enum: Object.keys(ACCURACY_PRESETS) },
      {
        type: 'object',
        properties: { sigma: { type: 'number', minimum: MIN_SIGMA, maximum: MAX_SIGMA } },
        required: ['sigma'],
        additionalProperties: false,
      },
    ],
    example: { sigma: 20 },
  })
  @IsOptional()
  @IsAccuracy()
  accuracy?: AccuracyPreset | { sigma: number };
}
