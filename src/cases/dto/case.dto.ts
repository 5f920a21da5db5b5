import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsTimestamp } from '../../common/timestamp.js';
import { IsIsoDate, IsNotInFuture, IsOneOf } from '../../common/validators.js';
import { CaseAttributesBody, Present, PresentNonNull } from './attribute-properties.js';
import { HasNoControlCharacters, IsWellFormedString, NormalizesToNonEmpty } from './case-validators.js';

/** Bounds of the free-text fields (API.md: names ≤ 200, narrative ≤ 20,000 characters). */
export const LIMITS = {
  name: 200,
  documentNumber: 64,
  phone: 40,
  address: 500,
  narrative: 20_000,
} as const;

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
  @IsNotInFuture()
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

/**
 * A PATCH of the subject, merged field by field (JSON Merge Patch, RFC 7396): a field set to null is
 * removed, an absent field stays as it is. `givenName` may be changed but never removed.
 */
export class SubjectPatchDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.name, description: 'Cannot be removed (no null)' })
  @Present()
  @IsString()
  @Length(1, LIMITS.name)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('name')
  givenName?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.name, nullable: true, type: String })
  @PresentNonNull()
  @IsString()
  @Length(1, LIMITS.name)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('name')
  familyName?: string | null;

  @ApiPropertyOptional({ format: 'date', nullable: true, type: String })
  @PresentNonNull()
  @IsIsoDate()
  @IsNotInFuture()
  dateOfBirth?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.documentNumber, nullable: true, type: String })
  @PresentNonNull()
  @IsString()
  @Length(1, LIMITS.documentNumber)
  @IsWellFormedString()
  @HasNoControlCharacters()
  @NormalizesToNonEmpty('documentNumber')
  documentNumber?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.phone, nullable: true, type: String })
  @PresentNonNull()
  @IsString()
  @Length(1, LIMITS.phone)
  @IsWellFormedString()
  @HasNoControlCharacters()
  phone?: string | null;

  @ApiPropertyOptional({ minLength: 1, maxLength: LIMITS.address, nullable: true, type: String })
  @PresentNonNull()
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

/** POST body: subject, narrative and consent, plus every attribute of the data standard (ctdc/attributes.ts). */
export class CreateCaseDto extends CaseAttributesBody('create') {
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

  @ApiProperty({ type: ConsentDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent!: ConsentDto;
}

/**
 * PATCH body: every key optional; a key present replaces that field, except `subject`, which is merged
 * field by field (JSON Merge Patch: null removes, absent stays); `narrative` and nullable attributes may be
 * null to clear them.
 */
export class UpdateCaseDto extends CaseAttributesBody('update') {
  @ApiPropertyOptional({
    type: SubjectPatchDto,
    description: 'Merged into the subject (RFC 7396): null removes a field, absent fields stay',
  })
  @Present()
  @IsObject()
  @ValidateNested()
  @Type(() => SubjectPatchDto)
  subject?: SubjectPatchDto;

  @ApiPropertyOptional({ maxLength: LIMITS.narrative, nullable: true, type: String })
  @PresentNonNull()
  @IsString()
  @MaxLength(LIMITS.narrative)
  @IsWellFormedString()
  narrative?: string | null;

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

  @ApiPropertyOptional({
    enum: ['createdAt', '-createdAt', 'updatedAt', '-updatedAt'],
    default: 'createdAt',
    description: 'Order of the items (a leading - is descending); a cursor is valid for its own sort only',
  })
  @IsOptional()
  @IsOneOf(['createdAt', '-createdAt', 'updatedAt', '-updatedAt'])
  sort?: 'createdAt' | '-createdAt' | 'updatedAt' | '-updatedAt';

  @ApiPropertyOptional({ format: 'date-time', description: 'Cases updated at or after this instant' })
  @IsOptional()
  @IsTimestamp()
  updatedSince?: string;
}
