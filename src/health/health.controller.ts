import { Controller, Get, Req, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/access.decorator.js';
import { errorBody } from '../common/error-response.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../common/http-exception.filter.js';
import { DatabaseHealthIndicator } from './database.health.js';

class HealthDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status!: 'ok' | 'unavailable';
  @ApiProperty({ enum: ['up', 'down'] }) db!: 'up' | 'down';
}

class ReadinessDto extends HealthDto {
  @ApiProperty({ enum: ['up', 'down'], description: 'Every migration of this build applied' })
  migrations!: 'up' | 'down';
}

const statusOf = (result: HealthCheckResult, key: string): 'up' | 'down' =>
  result.details[key]?.status === 'up' ? 'up' : 'down';

/** Runs terminus checks, turning its 503 exception into the result (answered as the body). */
async function run(
  health: HealthCheckService,
  checks: Parameters<HealthCheckService['check']>[0],
): Promise<HealthCheckResult> {
  try {
    return await health.check(checks);
  } catch (error) {
    const response = (error as { getResponse?: () => unknown }).getResponse?.();
    if (typeof response === 'object' && response !== null && 'details' in response) {
      return response as HealthCheckResult;
    }
    throw error;
  }
}

/** A 503 like every other route's (Retry-After, the error body), with the check's own fields beside it. */
function unavailable<T extends HealthDto>(request: FastifyRequest, reply: FastifyReply, health: T): T {
  void reply.status(503).header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
  const message = health.db === 'down' ? 'The database is unavailable' : 'Migrations are pending';
  return { ...errorBody(503, message, String(request.id)), ...health };
}

@ApiTags('operations')
@Controller({ path: 'health' })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealthIndicator,
  ) {}

  @Get()
  @Public()
  @ApiOperation({
    summary: 'Liveness and database reachability (no authentication)',
    description: 'Answers within about 2 seconds even when the database does not.',
  })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto })
  async liveness(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthDto> {
    const result = await run(this.health, [() => this.db.reachable()]);
    const health: HealthDto = {
      status: result.status === 'ok' ? 'ok' : 'unavailable',
      db: statusOf(result, 'db'),
    };
    return result.status === 'ok' ? health : unavailable(request, reply, health);
  }

  @Get('ready')
  @Public()
  @ApiOperation({
    summary: 'Readiness: the database answers and every migration of this build is applied',
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async readiness(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReadinessDto> {
    const result = await run(this.health, [() => this.db.reachable(), () => this.db.migrated()]);
    const readiness: ReadinessDto = {
      status: result.status === 'ok' ? 'ok' : 'unavailable',
      db: statusOf(result, 'db'),
      migrations: statusOf(result, 'migrations'),
    };
    return result.status === 'ok' ? readiness : unavailable(request, reply, readiness);
  }
}
