import { Controller, Get, type INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PassportModule } from '@nestjs/passport';
import request from 'supertest';
import { AuditService } from '../audit/audit.service.js';
import { AllExceptionsFilter } from '../common/http-exception.filter.js';
import { Authenticated, Public } from './access.decorator.js';
import { AccessGuard } from './access.guard.js';
import { DenialSummaryService } from './denial-summary.service.js';
import { SessionConfirmation } from './session-confirmation.service.js';
import { AppConfig } from '../config/app-config.js';

@Controller()
class ProbeController {
  @Get('undeclared')
  undeclared(): string {
    return 'leaked';
  }

  @Get('public')
  @Public()
  open(): string {
    return 'ok';
  }

  @Get('protected')
  @Authenticated('audit.read')
  protected(): string {
    return 'secret';
  }
}

describe('AccessGuard (deny by default)', () => {
  let app: INestApplication;
  const denials: unknown[][] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PassportModule],
      controllers: [ProbeController],
      providers: [
        {
          provide: AuditService,
          useValue: {
            deny: async (...args: unknown[]) => void denials.push(args),
            recordAlone: async (ctx: unknown, input: { action: string; details: { reason: string } }) =>
              void denials.push([ctx, input.action, input.details.reason]),
          },
        },
        { provide: AppConfig, useValue: { env: { DENIAL_SUMMARY_SECONDS: 60 } } },
        DenialSummaryService,
        // No cached principals here (no JWT strategy): nothing to confirm.
        { provide: SessionConfirmation, useValue: { confirm: async () => true } },
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    request(app.getHttpServer()).get(url).set(headers);

  it('a route without an access declaration is refused (403), even with a token', async () => {
    const res = await get('/undeclared', { authorization: 'Bearer anything' });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('leaked');
  });

  it('a public route is open', async () => {
    expect((await get('/public')).status).toBe(200);
  });

  it('a protected route without a token is a 401, and the denial is audited under the route’s action', async () => {
    denials.length = 0;
    const res = await get('/protected');
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('secret');
    expect(denials).toHaveLength(1);
    expect(denials[0][1]).toBe('audit.read');
    expect(denials[0][2]).toBe('missing_token');
  });
});
