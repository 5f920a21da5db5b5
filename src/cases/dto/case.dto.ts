import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsIsoDate } from '../../common/validators.js';
import {
  COUNTRY_OR_UNKNOWN,
  EXPLOITATION_TYPES,
  GENDERS,
  LABOUR_SECTORS,
  MEANS_OF_CONTROL,
  RECRUITER_RELATIONSHIPS,
  SEXUAL_EXPLOITATION_TYPES,
  type ExploitationType,
  type Gender,
  type LabourSector,
  type MeansOfControl,
  type RecruiterRelationship,
  type SexualExploitationType,
} from '../../ctdc/index.js';
import { HasNoControlCharacters, IsWellFormedString, NormalizesToNonEmpty } from './case-validators.js';

/** Bounds of the free-text fields (API.md: names ≤ 200, narrative ≤ 20,000 characters). */
export const LIMITS = {
  name: 200,
  documentNumber: 64,
  phone: 40,
  address: 500,
  narrative: 20_000,
} as const;

/** Only checked when the key is present: `null` is then refused like any other wrong type. */
const Present = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
/** Present and not null (null clears the field). */
const PresentNonNull = () =>
  ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null);

const codeList = (name: string, codes: readonly string[]) => ({
  each: true,
  message: `each value of ${name} must be one of: ${codes.join(', ')}`,
});

export class SubjectDto {
  @ApiProperty({ minLength: 1, maxLength: LIMITS.name, example: 'Amina' })
  @IsDefined()
  @IsString()
  @Length(1, LIMITS.name)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('name')
  givenName!: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.name, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.name)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('name')
  familyName?: string | null;

  @ApiPropertyOptional({ format: 'date', nullable: true, type: String, example: '2004-05-17' })
  @IsOptional()
  @IsIsoDate()
  dateOfBirth?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.documentNumber, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.documentNumber)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('documentNumber')
  documentNumber?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.phone, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.phone)
  @IsWellFormedString()
  @HasNoControlCharacters()
  phone?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.address, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.address)
  @IsWellFormedString()
  @HasNoControlCharacters()
  address?: string | null;
}

export class ConsentDto {
  @ApiProperty({ description: 'false keeps the case out of every aggregate' })
  @IsDefined()
  @IsBoolean()
  research!: boolean;
}

export class CreateCaseDto {
  @ApiProperty({ type: SubjectDto, description: 'Identity: stored encrypted' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SubjectDto)
  subject!: SubjectDto;

  @ApiPropertyOptional({ maxLength: LIMITS.narrative, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.narrative)
  @IsWellFormedString()
  narrative?: string | null;

  @ApiProperty({ format: 'date', example: '2021-03-02' })
  @IsDefined()
  @IsIsoDate()
  registrationDate!: string;

  @ApiProperty({ enum: GENDERS })
  @IsDefined()
  @IsIn(GENDERS)
  gender!: Gender;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2 or unknown', example: 'PH', default: 'unknown' })
  @IsOptional()
  @IsIn(COUNTRY_OR_UNKNOWN, { message: 'citizenship must be an ISO 3166-1 alpha-2 code or unknown' })
  citizenship?: string;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2 or unknown', example: 'MY', default: 'unknown' })
  @IsOptional()
  @IsIn(COUNTRY_OR_UNKNOWN, {
    message: 'countryOfExploitation must be an ISO 3166-1 alpha-2 code or unknown',
  })
  countryOfExploitation?: string;

  @ApiPropertyOptional({ enum: EXPLOITATION_TYPES, isArray: true, uniqueItems: true, default: [] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EXPLOITATION_TYPES.length)
  @ArrayUnique()
  @IsIn(EXPLOITATION_TYPES, codeList('exploitationTypes', EXPLOITATION_TYPES))
  exploitationTypes?: ExploitationType[];

  @ApiPropertyOptional({ enum: MEANS_OF_CONTROL, isArray: true, uniqueItems: true, default: [] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MEANS_OF_CONTROL.length)
  @ArrayUnique()
  @IsIn(MEANS_OF_CONTROL, codeList('meansOfControl', MEANS_OF_CONTROL))
  meansOfControl?: MeansOfControl[];

  @ApiPropertyOptional({ enum: LABOUR_SECTORS, isArray: true, uniqueItems: true, default: [] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LABOUR_SECTORS.length)
  @ArrayUnique()
  @IsIn(LABOUR_SECTORS, codeList('labourSectors', LABOUR_SECTORS))
  labourSectors?: LabourSector[];

  @ApiPropertyOptional({ enum: SEXUAL_EXPLOITATION_TYPES, isArray: true, uniqueItems: true, default: [] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SEXUAL_EXPLOITATION_TYPES.length)
  @ArrayUnique()
  @IsIn(SEXUAL_EXPLOITATION_TYPES, codeList('sexualExploitationTypes', SEXUAL_EXPLOITATION_TYPES))
  sexualExploitationTypes?: SexualExploitationType[];

  @ApiPropertyOptional({ enum: RECRUITER_RELATIONSHIPS, isArray: true, uniqueItems: true, default: [] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RECRUITER_RELATIONSHIPS.length)
  @ArrayUnique()
  @IsIn(RECRUITER_RELATIONSHIPS, codeList('recruiterRelationships', RECRUITER_RELATIONSHIPS))
  recruiterRelationships?: RecruiterRelationship[];

  @ApiPropertyOptional({ nullable: true, type: Boolean, description: 'null: not recorded' })
  @IsOptional()
  @IsBoolean()
  isAbduction?: boolean | null;

  @ApiProperty({ type: ConsentDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent!: ConsentDto;
}

/**
 * PATCH body: every key optional; a key present replaces that field. `subject` is replaced as a whole
 * (it is one field of the policy); `narrative` and `isAbduction` may be null to clear them.
 */
export class UpdateCaseDto {
  @ApiPropertyOptional({ type: SubjectDto, description: 'Replaces the whole subject' })
  @Present()
  @IsObject()
  @ValidateNested()
  @Type(() => SubjectDto)
  subject?: SubjectDto;

  @ApiPropertyOptional({ maxLength: LIMITS.narrative, nullable: true, type: String })
  @PresentNonNull()
  @IsString()
  @MaxLength(LIMITS.narrative)
  @IsWellFormedString()
  narrative?: string | null;

  @ApiPropertyOptional({ format: 'date' })
  @Present()
  @IsIsoDate()
  registrationDate?: string;

  @ApiPropertyOptional({ enum: GENDERS })
  @Present()
  @IsIn(GENDERS)
  gender?: Gender;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2 or unknown' })
  @Present()
  @IsIn(COUNTRY_OR_UNKNOWN, { message: 'citizenship must be an ISO 3166-1 alpha-2 code or unknown' })
  citizenship?: string;

  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2 or unknown' })
  @Present()
  @IsIn(COUNTRY_OR_UNKNOWN, {
    message: 'countryOfExploitation must be an ISO 3166-1 alpha-2 code or unknown',
  })
  countryOfExploitation?: string;

  @ApiPropertyOptional({ enum: EXPLOITATION_TYPES, isArray: true, uniqueItems: true })
  @Present()
  @IsArray()
  @ArrayMaxSize(EXPLOITATION_TYPES.length)
  @ArrayUnique()
  @IsIn(EXPLOITATION_TYPES, codeList('exploitationTypes', EXPLOITATION_TYPES))
  exploitationTypes?: ExploitationType[];

  @ApiPropertyOptional({ enum: MEANS_OF_CONTROL, isArray: true, uniqueItems: true })
  @Present()
  @IsArray()
  @ArrayMaxSize(MEANS_OF_CONTROL.length)
  @ArrayUnique()
  @IsIn(MEANS_OF_CONTROL, codeList('meansOfControl', MEANS_OF_CONTROL))
  meansOfControl?: MeansOfControl[];

  @ApiPropertyOptional({ enum: LABOUR_SECTORS, isArray: true, uniqueItems: true })
  @Present()
  @IsArray()
  @ArrayMaxSize(LABOUR_SECTORS.length)
  @ArrayUnique()
  @IsIn(LABOUR_SECTORS, codeList('labourSectors', LABOUR_SECTORS))
  labourSectors?: LabourSector[];

  @ApiPropertyOptional({ enum: SEXUAL_EXPLOITATION_TYPES, isArray: true, uniqueItems: true })
  @Present()
  @IsArray()
  @ArrayMaxSize(SEXUAL_EXPLOITATION_TYPES.length)
  @ArrayUnique()
  @IsIn(SEXUAL_EXPLOITATION_TYPES, codeList('sexualExploitationTypes', SEXUAL_EXPLOITATION_TYPES))
  sexualExploitationTypes?: SexualExploitationType[];

  @ApiPropertyOptional({ enum: RECRUITER_RELATIONSHIPS, isArray: true, uniqueItems: true })
  @Present()
  @IsArray()
  @ArrayMaxSize(RECRUITER_RELATIONSHIPS.length)
  @ArrayUnique()
  @IsIn(RECRUITER_RELATIONSHIPS, codeList('recruiterRelationships', RECRUITER_RELATIONSHIPS))
  recruiterRelationships?: RecruiterRelationship[];

  @ApiPropertyOptional({ nullable: true, type: Boolean })
  @PresentNonNull()
  @IsBoolean()
  isAbduction?: boolean | null;

  @ApiPropertyOptional({ type: ConsentDto })
  @Present()
  @IsObject()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent?: ConsentDto;
}

export class ListCasesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ description: 'Exact match on the normalized given name', maxLength: LIMITS.name })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.name)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('name')
  givenName?: string;

  @ApiPropertyOptional({ description: 'Exact match on the normalized family name', maxLength: LIMITS.name })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.name)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('name')
  familyName?: string;

  @ApiPropertyOptional({
    description: 'Exact match on the normalized document number',
    maxLength: LIMITS.documentNumber,
  })
  @IsOptional()
  @IsString()
  @Length(1, LIMITS.documentNumber)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('documentNumber')
  documentNumber?: string;

  @ApiPropertyOptional({ pattern: '^[0-9a-f]{64}$' })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'pseudonym must be 64 lower-case hex characters' })
  pseudonym?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Cases updated at or after this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  updatedSince?: string;
}
