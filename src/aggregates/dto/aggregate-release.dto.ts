/**
 * OpenAPI types of a released answer (issue 14): cells and margin entries typed per dimension, the
 * disclosure-control statement, and the signed release manifest.
 */
import {
  ApiProperty,
  ApiPropertyOptional,
  type ApiPropertyOptions,
  type SchemaObject,
} from '@nestjs/swagger';
import { DIMENSION_NAMES, DIMENSIONS, MAX_YEAR, MIN_YEAR, type Dimension } from '../dimensions.js';

/** The schema of one dimension's value in a cell (its code list, a year, or a boolean flag). */
export function dimensionValueSchema(dimension: Dimension): SchemaObject {
  const spec = DIMENSIONS[dimension];
  if (spec.kind === 'year') return { type: 'integer', minimum: MIN_YEAR, maximum: MAX_YEAR };
  if (spec.kind === 'boolean') return { oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['unknown'] }] };
  return { type: 'string', enum: spec.values as string[] };
}

const dimensionProperties = (): Record<string, SchemaObject> =>
  Object.fromEntries(DIMENSION_NAMES.map((d) => [d, dimensionValueSchema(d)]));

const listedProperties = {
  count: {
    type: 'integer',
    nullable: true,
    description: 'Noisy count (never below k); null when withheld by complementary suppression',
  },
  suppressed: { type: 'boolean', description: 'true: withheld (its true count is k or more)' },
} as const;

/**
 * A listed cell: one key per dimension of the query (exactly the dimensions asked), `count`, `suppressed`.
 * Combinations not listed have fewer than k cases, possibly none.
 */
export const CELL_SCHEMA: SchemaObject = {
  type: 'object',
  properties: { ...dimensionProperties(), ...listedProperties },
  required: ['count', 'suppressed'],
  additionalProperties: false,
  example: { citizenshipSubregion: '035', yearOfRegistration: 2021, count: 412, suppressed: false },
};

/** Margins: one list per dimension, each entry keyed by that dimension alone. */
const MARGINS_SCHEMA: SchemaObject = {
  type: 'object',
  properties: Object.fromEntries(
    DIMENSION_NAMES.map((d) => [
      d,
      {
        type: 'array',
        items: {
          type: 'object',
          properties: { [d]: dimensionValueSchema(d), ...listedProperties },
          required: [d, 'count', 'suppressed'],
          additionalProperties: false,
        },
      },
    ]),
  ),
  additionalProperties: false,
  description: 'With two or more dimensions: one list per dimension of the query (listed entries only)',
};

/** The `margins` property (the schema above, in the decorator's option type). */
export const MARGINS_PROPERTY = MARGINS_SCHEMA as ApiPropertyOptions;

export class GroupingCostDto {
  @ApiProperty({ example: 'cells' }) grouping!: string;
  @ApiProperty({ example: 1, description: 'Squared L2 sensitivity of this grouping' })
  sensitivitySquared!: number;
}

export class NoiseDto {
  @ApiProperty({ example: 'discrete Gaussian (Canonne, Kamath & Steinke 2020), sampled exactly' })
  mechanism!: string;

  @ApiProperty({ example: 'zero-concentrated differential privacy (rho-zCDP, Bun & Steinke 2016)' })
  accounting!: string;

  @ApiProperty({ example: 10, description: 'Standard deviation of the noise of every released count' })
  sigma!: number;

  @ApiProperty({ example: 20, description: 'Smallest h with Pr[|noise| <= h] >= 0.95' })
  halfWidth95!: number;

  @ApiProperty({ example: 0.015, description: 'rho charged to this researcher for this delivery' })
  rhoCharged!: number;

  @ApiProperty({ example: 0.015, description: 'rho of the release itself' })
  rhoOfRelease!: number;

  @ApiProperty({ type: [GroupingCostDto] })
  groupings!: GroupingCostDto[];
}

export class DisclosureBudgetDto {
  @ApiProperty({ example: 0.33 }) total!: number;
  @ApiProperty({ example: 0.31 }) remaining!: number;
  @ApiProperty({ format: 'date' }) periodEnd!: string;
}

const METHODS_EXAMPLE = [
  'threshold suppression (counts below k)',
  'complementary suppression',
  'discrete Gaussian noise (zCDP)',
];

/** `disclosureControl`: what was applied, in words and numbers a methods section can cite. */
export class DisclosureControlDto {
  @ApiProperty({ example: 11 }) k!: number;

  @ApiProperty({ type: [String], example: METHODS_EXAMPLE })
  methods!: string[];

  @ApiProperty({ example: 'Unlisted combinations have fewer than 11 cases, possibly none.' })
  listing!: string;

  @ApiProperty({ example: 2, description: 'How many listed counts complementary suppression withheld' })
  complementarySuppressed!: number;

  @ApiProperty({ type: NoiseDto }) noise!: NoiseDto;
  @ApiProperty({ type: DisclosureBudgetDto }) budget!: DisclosureBudgetDto;
  @ApiProperty() additivity!: string;
  @ApiProperty({ example: 'cases with consent to research use that are not erased' }) population!: string;

  @ApiProperty({
    example: '2026-12-01/2026-12-01T10:22:33.123Z',
    description: 'The UTC day of counting and the latest change to the counted cases',
  })
  dataVersion!: string;

  @ApiProperty({ format: 'date-time' }) countedAt!: string;
  @ApiProperty({ type: [String] }) references!: string[];
  @ApiProperty({ description: 'The whole statement, citable as it is' }) statement!: string;
}

export class ServiceIdentityDto {
  @ApiProperty({ example: 'ctr-case-api' }) name!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
}

/** The query as the manifest states it (release-query.ts); σ is in the manifest's `mechanism`. */
export class CanonicalQueryDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: [...DIMENSION_NAMES] },
    description: 'As asked',
    example: ['citizenshipSubregion', 'yearOfRegistration'],
  })
  dimensions!: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'array',
      items: { oneOf: [{ type: 'string' }, { type: 'integer' }, { type: 'boolean' }] },
    },
    description: 'Each filter as its list of values (a year range as its years)',
    example: { yearOfRegistration: [2018, 2019, 2020, 2021, 2022] },
  })
  filters!: Record<string, (string | number | boolean)[]>;

  @ApiPropertyOptional({ example: 10, description: 'Not stated by this version (see mechanism.sigma)' })
  sigma?: number;
}

/** The manifest's `mechanism`: the methods and noise parameters of disclosureControl, as signed. */
export class ReleaseMechanismDto {
  @ApiProperty({ type: [String], example: METHODS_EXAMPLE })
  methods!: string[];

  @ApiProperty({ example: 'discrete Gaussian (Canonne, Kamath & Steinke 2020), sampled exactly' })
  noise!: string;

  @ApiProperty({ example: 'zero-concentrated differential privacy (rho-zCDP, Bun & Steinke 2016)' })
  accounting!: string;

  @ApiProperty({ example: 10 }) sigma!: number;
  @ApiProperty({ example: 20 }) halfWidth95!: number;
  @ApiProperty({ example: 0.015 }) rhoOfRelease!: number;
  @ApiProperty({ type: [GroupingCostDto] }) groupings!: GroupingCostDto[];
}

/** The signed release manifest (release-manifest.ts). */
export class ReleaseManifestDto {
  @ApiProperty({ enum: ['ctr-aggregate-release/1'] }) format!: string;
  @ApiProperty({ format: 'uuid' }) queryId!: string;
  @ApiProperty({ type: CanonicalQueryDto }) query!: CanonicalQueryDto;
  @ApiProperty({ example: 11 }) k!: number;

  @ApiProperty({ type: ReleaseMechanismDto, description: 'The methods and the noise parameters' })
  mechanism!: ReleaseMechanismDto;

  @ApiProperty({ nullable: true, type: Number, example: 0.015 }) rhoCharged!: number | null;
  @ApiProperty({ nullable: true, type: String, example: '2026-12-01/2026-12-01T10:22:33.123Z' })
  dataVersion!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) dataCountedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) releasedAt!: string;
  @ApiProperty({ type: ServiceIdentityDto }) service!: ServiceIdentityDto;

  @ApiProperty({ description: 'SHA-256 (hex) of the canonical JSON of the answer without its manifest' })
  answerSha256!: string;

  @ApiProperty({ description: 'SHA-256 (hex) of the listed counts, in the form the CSV gives too' })
  valuesSha256!: string;

  @ApiProperty({ enum: ['Ed25519'] }) algorithm!: string;
  @ApiProperty({ example: '3f2a9c0d1e4b5a67', description: 'The key of GET /v1/aggregates/public-key' })
  keyId!: string;

  @ApiProperty({ description: 'Ed25519 signature (base64) of the canonical JSON of the manifest without it' })
  signature!: string;
}
