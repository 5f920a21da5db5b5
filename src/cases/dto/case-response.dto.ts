import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CaseAttributesView } from './attribute-properties.js';

export class SubjectViewDto {
  @ApiProperty() givenName!: string;
  @ApiProperty({ nullable: true, type: String }) familyName!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) dateOfBirth!: string | null;
  @ApiProperty({ nullable: true, type: String }) documentNumber!: string | null;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ nullable: true, type: String }) address!: string | null;
}

export class ConsentViewDto {
  @ApiProperty() research!: boolean;
}

/**
 * A case as the caller's role may see it (DATA.md). Metadata is present for every role that reads
 * cases; caseworkers and supervisors also get subject, narrative and attributes; auditors get metadata
 * and consent only. An erased case shows metadata only.
 */
export class CaseDto extends CaseAttributesView() {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) officeId!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    pattern: '^[0-9a-f]{64}$',
    description: 'Keyed hash of the normalized identity; null once erased',
  })
  pseudonym!: string | null;
  @ApiProperty({ minimum: 1 }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'uuid' }) createdBy!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) erasedAt!: string | null;

  @ApiPropertyOptional({ type: SubjectViewDto, description: 'caseworker, supervisor' })
  subject?: SubjectViewDto;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'caseworker, supervisor' })
  narrative?: string | null;
  @ApiPropertyOptional({ type: ConsentViewDto, description: 'caseworker, supervisor, auditor' })
  consent?: ConsentViewDto;
}

export class CasePageDto {
  @ApiProperty({ type: [CaseDto] }) items!: CaseDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page' })
  nextCursor!: string | null;
}

export class DuplicateOfficeDto {
  @ApiProperty() officeCode!: string;
  @ApiProperty({ minimum: 1 }) count!: number;
}

export class DuplicatesDto {
  @ApiProperty({
    type: [DuplicateOfficeDto],
    description:
      'Offices holding possible duplicates (same pseudonym or keyed phonetic key), the caller’s own office ' +
      'included; other offices only once the case is past the embargo or confirmed by a supervisor',
  })
  items!: DuplicateOfficeDto[];
  @ApiProperty({ type: [String], description: 'Ids of possible duplicates in the caller’s office' })
  sameOffice!: string[];
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When other offices’ hints become available (null: they are)',
  })
  otherOfficesAvailableAt!: string | null;
}

export class DuplicateHintsDto {
  @ApiProperty({ type: [String], description: 'Ids of possible duplicates in the caller’s office' })
  sameOffice!: string[];
  @ApiProperty({
    type: [DuplicateOfficeDto],
    description: 'Other offices holding possible duplicates: empty while the new case is under embargo',
  })
  otherOffices!: DuplicateOfficeDto[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  otherOfficesAvailableAt!: string | null;
}

export class CreatedCaseDto extends CaseDto {
  @ApiProperty({ type: DuplicateHintsDto }) duplicates!: DuplicateHintsDto;
}

export class DuplicatesConfirmationDto {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ format: 'date-time' }) confirmedAt!: string;
  @ApiProperty({ format: 'uuid' }) confirmedBy!: string;
}
