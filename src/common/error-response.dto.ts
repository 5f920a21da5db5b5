import { ApiProperty } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'registrationDate must be a valid date (YYYY-MM-DD)' })
  message!: string;

  @ApiProperty({ format: 'uuid' })
  requestId!: string;
}
