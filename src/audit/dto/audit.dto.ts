import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsOneOf } from '../../common/validators.js';
import { IsUuidText } from '../../common/uuid.js';
import { IsTimestamp } from '../../common/timestamp.js';
import { AUDIT_ACTIONS } from '../audit-actions.js';

export class AuditRangeQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive lower bound of `at`' })
  @IsOptional()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive upper bound of `at`' })
  @IsOptional()
  @IsTimestamp()
  to?: string;
}

export class AuditEventsQueryDto extends AuditRangeQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUuidText()
  actorId?: string;

  @ApiPropertyOptional({
    enum: AUDIT_ACTIONS,
    isArray: true,
    description: 'Repeat to match any of several actions (`?action=case.read&action=case.list`)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(AUDIT_ACTIONS.length)
  @IsOneOf(AUDIT_ACTIONS, { each: true })
  action?: string[];

  @ApiPropertyOptional({ enum: ['allowed', 'denied', 'failed'] })
  @IsOptional()
  @IsOneOf(['allowed', 'denied', 'failed'])
  outcome?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc', description: 'asc: oldest first' })
  @IsOptional()
  @IsOneOf(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  resourceId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class VerifyQueryDto {
  @ApiPropertyOptional({
    description:
      'A head hash recorded earlier (a verify headHash, a checkpoint headHash or an event hash): verify also checks it is still in the chain',
  })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'expectHead must be 64 lower-case hex characters' })
  expectHead?: string;
}

export class AuditEventDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) actorId!: string | null;
  @ApiProperty({ nullable: true, type: String }) actorRole!: string | null;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action!: string;
  @ApiProperty({ nullable: true, type: String }) resourceType!: string | null;
  @ApiProperty({ nullable: true, type: String }) resourceId!: string | null;
  @ApiProperty({ type: [String], description: 'Every record a list, search or export returned or changed' })
  resourceIds!: string[];
  @ApiProperty({ enum: ['allowed', 'denied', 'failed'] }) outcome!: string;
  @ApiProperty({ nullable: true, type: String, description: "The server's own request id" })
  requestId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The client's X-Request-Id, if well-formed" })
  clientRequestId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ description: 'SHA-256 over this event and the previous hash' }) hash!: string;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'The cursor of the next page (ascending: also at the settled horizon, see above); null: done',
  })
  nextCursor!: string | null;
}

export class VerifyResultDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty() checked!: number;
  @ApiPropertyOptional({
    description: 'Present when ok: the headHash of the checkpoint signed of every stripe head verified',
  })
  headHash?: string;
  @ApiPropertyOptional({ description: 'Broken chain: the first seq that is not intact' })
  firstBadSeq?: number;
  @ApiPropertyOptional({ description: 'The chain is intact but does not contain expectHead' })
  headMismatch?: boolean;
  @ApiPropertyOptional({ description: 'With headMismatch: the seq up to which the chain is intact' })
  intactThroughSeq?: number;
}

export class CheckpointsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class StripeHeadDto {
  @ApiProperty({ description: 'The stripe (0-15)' }) stripe!: number;
  @ApiProperty({ description: "The stripe's newest event, counted in the stripe (0: none yet)" })
  stripeSeq!: number;
  @ApiProperty({ description: 'Its global seq (the legacy head when stripeSeq is 0)' }) seq!: number;
  @ApiProperty({ description: 'Its hash (the legacy head when stripeSeq is 0)' }) hash!: string;
}

export class CheckpointDto {
  @ApiProperty({ description: 'The newest event the checkpoint covers (the highest seq among its heads)' })
  seq!: number;
  @ApiProperty({
    description:
      'With heads: SHA-256 of the head lines; without (a legacy checkpoint): the hash of the event at seq',
  })
  headHash!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({
    description:
      'Base64 Ed25519 signature of "ctr-case-api/audit/v3\\n<seq>\\n<base64 headHash>\\n<at>\\n" and one line ' +
      '"<stripe> <stripeSeq> <seq> <hash>\\n" per head ("ctr-case-api/audit\\n<seq>\\n<base64 head hash>\\n<at>\\n" ' +
      'for a legacy checkpoint)',
  })
  signature!: string;
  @ApiPropertyOptional({
    type: [StripeHeadDto],
    description: 'Every stripe of the chain, 0 first (absent on checkpoints signed before the stripes)',
  })
  heads?: StripeHeadDto[];
}

export class CheckpointPageDto {
  @ApiProperty({ type: [CheckpointDto] }) items!: CheckpointDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class PublicKeyDto {
  @ApiProperty({ example: 'OKP' }) kty!: string;
  @ApiProperty({ example: 'Ed25519' }) crv!: string;
  @ApiProperty({ description: 'base64url public key' }) x!: string;
  @ApiProperty() kid!: string;
  @ApiProperty({ example: 'EdDSA' }) alg!: string;
  @ApiProperty({ example: 'sig' }) use!: string;
  @ApiProperty() publicKeyPem!: string;
  @ApiProperty() current!: boolean;
}

export class PublicKeysDto {
  @ApiProperty({ example: 'Ed25519' }) algorithm!: string;
  @ApiProperty({ description: 'The key that signs new checkpoints' }) keyId!: string;
  @ApiProperty() publicKeyPem!: string;
  @ApiProperty({ type: [PublicKeyDto], description: 'Every published key (JWKS-style), older ones too' })
  keys!: PublicKeyDto[];
}
