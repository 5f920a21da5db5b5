import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { IsOneOf } from '../../common/validators.js';
import { IsUuidText } from '../../common/uuid.js';
import { IsWellFormedString } from './case-validators.js';

/** A transfer's free-text reason: bounded, stored encrypted, never in audit details or logs. */
export const TRANSFER_REASON_MAX = 1000;

export class CreateTransferDto {
  @ApiProperty({ format: 'uuid', description: 'The receiving office' })
  @IsDefined()
  @IsUuidText()
  toOfficeId!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: TRANSFER_REASON_MAX,
    description: 'Why the case moves; stored encrypted under the case’s data key (it may name the person)',
  })
  @IsDefined()
  @IsString()
  @Length(1, TRANSFER_REASON_MAX)
  @IsWellFormedString()
  reason!: string;
}

export const TRANSFER_DIRECTIONS = ['incoming', 'outgoing'] as const;
export const TRANSFER_STATUSES = ['pending', 'accepted', 'rejected'] as const;

export class ListTransfersQueryDto {
  @ApiPropertyOptional({ enum: TRANSFER_DIRECTIONS, description: 'Both when absent' })
  @IsOptional()
  @IsOneOf(TRANSFER_DIRECTIONS)
  direction?: (typeof TRANSFER_DIRECTIONS)[number];

  @ApiPropertyOptional({ enum: TRANSFER_STATUSES })
  @IsOptional()
  @IsOneOf(TRANSFER_STATUSES)
  status?: (typeof TRANSFER_STATUSES)[number];

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
}

export class TransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The case’s pseudonym (null once erased): the receiving office sees no other content',
  })
  pseudonym!: string | null;
  @ApiProperty({ format: 'uuid' }) fromOfficeId!: string;
  @ApiProperty({ format: 'uuid' }) toOfficeId!: string;
  @ApiProperty({ enum: TRANSFER_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null once the case is erased' })
  reason!: string | null;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ format: 'uuid' }) requestedBy!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) decidedAt!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) decidedBy!: string | null;
}

export class TransferPageDto {
  @ApiProperty({ type: [TransferDto] }) items!: TransferDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
