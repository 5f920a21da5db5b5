import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsUuidText } from '../../common/uuid.js';
import { COUNTRY_CODES } from '../../ctdc/index.js';
import { IsIsoDate, IsOneOf } from '../../common/validators.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../auth/password.js';
import { IsAcceptablePassword, PASSWORD_POLICY_TEXT } from '../../auth/password-policy.js';
import { ROLES, type Role } from '../../policy/index.js';

export class CreateOfficeDto {
  @ApiProperty({ example: 'MNL-01', pattern: '^[A-Z0-9][A-Z0-9-]{1,31}$' })
  @Matches(/^[A-Z0-9][A-Z0-9-]{1,31}$/, {
    message: 'code must be 2-32 upper-case letters, digits or hyphens',
  })
  code!: string;

  @ApiProperty({ example: 'Manila field office', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: 'PH', description: 'ISO 3166-1 alpha-2' })
  @IsOneOf(COUNTRY_CODES, { message: 'countryCode must be an ISO 3166-1 alpha-2 code' })
  countryCode!: string;
}

export class OfficeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty() countryCode!: string;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;

export class CreateUserDto {
  @ApiProperty({ example: 'amina.caseworker', pattern: USERNAME.source })
  @Matches(USERNAME, { message: 'username must be 3-64 letters, digits, dots, hyphens or underscores' })
  username!: string;

  @ApiProperty({
    format: 'password',
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    writeOnly: true,
    description:
      `${PASSWORD_POLICY_TEXT} Required, except under the two-person rule for caseworker, supervisor and ` +
      'admin accounts, whose holders set their own password by enrollment (then it must be absent).',
  })
  @IsOptional()
  @IsString()
  @IsAcceptablePassword()
  password?: string;

  @ApiProperty({ enum: ROLES })
  @IsOneOf(ROLES)
  role!: Role;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for caseworker and supervisor' })
  @IsOptional()
  @IsUuidText()
  officeId?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Required for researcher; not in the past' })
  @IsOptional()
  @IsIsoDate()
  approvedUntil?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsOneOf(ROLES)
  role?: Role;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsUuidText()
  officeId?: string | null;

  @ApiPropertyOptional({ format: 'date', nullable: true, type: String })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsIsoDate()
  approvedUntil?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({
    format: 'password',
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    writeOnly: true,
    description: PASSWORD_POLICY_TEXT,
  })
  @IsOptional()
  @IsString()
  @IsAcceptablePassword()
  password?: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 0,
    maximum: 100,
    description:
      "Researchers only: this researcher's privacy budget (zCDP rho per approval period); null restores the default",
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsNumber({ maxDecimalPlaces: 9, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  researchBudget?: number | null;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) officeId!: string | null;
  @ApiProperty({ format: 'date', nullable: true, type: String }) approvedUntil!: string | null;
  @ApiProperty() disabled!: boolean;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 0,
    maximum: 100,
    example: 0.5,
    description:
      "Admins' view only: a researcher's own privacy budget (zCDP rho per approval period) set with PATCH; " +
      'null: the default (AGGREGATE_RESEARCHER_BUDGET_RHO)',
  })
  researchBudget?: number | null;
}

export class ApprovalChangesDto {
  @ApiPropertyOptional({ enum: ROLES }) role?: Role;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) officeId?: string | null;
  @ApiPropertyOptional({ format: 'date', nullable: true, type: String }) approvedUntil?: string | null;
  @ApiPropertyOptional() disabled?: boolean;
}

export class ApprovalDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The account concerned' }) userId!: string;
  @ApiProperty({ enum: ['create', 'update', 'password_reset'] }) kind!:
    'create' | 'update' | 'password_reset';
  @ApiProperty({ type: ApprovalChangesDto }) changes!: ApprovalChangesDto;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) status!: 'pending' | 'approved' | 'rejected';
  @ApiProperty({ format: 'uuid' }) requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) decidedBy!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) decidedAt!: string | null;
}

export class ApprovalResultDto {
  @ApiProperty({ type: ApprovalDto }) approval!: ApprovalDto;
  @ApiProperty({ type: UserDto, nullable: true, description: 'The account once the change took effect' })
  user!: UserDto | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Your half of the enrollment code (requester or approver), for the account holder only; the holder ' +
      'needs both halves to set their password at POST /v1/auth/enroll. Shown once, never stored.',
  })
  enrollmentCode!: string | null;
}

export type RequestResultDto = ApprovalResultDto;

export class ApprovalListQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'approved', 'rejected'] })
  @IsOptional()
  @IsOneOf(['pending', 'approved', 'rejected'])
  status?: 'pending' | 'approved' | 'rejected';
}

export class EnrollDto {
  @ApiProperty({ pattern: USERNAME.source })
  @Matches(USERNAME, { message: 'username must be 3-64 letters, digits, dots, hyphens or underscores' })
  username!: string;

  @ApiProperty({ description: 'The half of the code given by the requesting admin', writeOnly: true })
  @IsString()
  @Length(1, 64)
  requesterCode!: string;

  @ApiProperty({ description: 'The half of the code given by the approving admin', writeOnly: true })
  @IsString()
  @Length(1, 64)
  approverCode!: string;

  @ApiProperty({ format: 'password', writeOnly: true, description: PASSWORD_POLICY_TEXT })
  @IsString()
  @IsAcceptablePassword()
  password!: string;
}
