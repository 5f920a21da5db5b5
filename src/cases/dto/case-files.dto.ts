import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsOneOf } from '../../common/validators.js';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;

export class ExportQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'csv' })
  @IsOptional()
  @IsOneOf(EXPORT_FORMATS)
  format?: (typeof EXPORT_FORMATS)[number];
}

export class ImportLineErrorDto {
  @ApiProperty({ description: 'The line the record starts on (1-based; a CSV header is line 1)' })
  line!: number;
  @ApiProperty({ type: [String], description: 'The bad fields (or CSV columns), never their values' })
  fields!: string[];
  @ApiProperty() message!: string;
}

export class ImportResultDto {
  @ApiProperty({ description: 'Cases created' }) imported!: number;
  @ApiProperty({ description: 'Records whose idempotency key was already imported (nothing created)' })
  replayed!: number;
  @ApiProperty({ description: 'Records refused' }) failed!: number;
  @ApiProperty({ type: [ImportLineErrorDto], description: 'The first 1,000 line errors' })
  errors!: ImportLineErrorDto[];
  @ApiProperty({ description: 'Whether more errors occurred than are listed' }) errorsTruncated!: boolean;
}
