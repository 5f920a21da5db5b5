import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module.js';
import { AppConfig } from '../config/app-config.js';
import { secretKeyObject } from '../crypto/index.js';
import { AccessGuard } from './access.guard.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { JWT_ALGORITHM, JwtStrategy } from './jwt.strategy.js';
import { LocalStrategy } from './local.strategy.js';
import { DenialSummaryService } from './denial-summary.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { SessionCache } from './session-cache.js';
import { SessionConfirmHook } from './session-confirm.hook.js';
import { SessionConfirmation } from './session-confirmation.service.js';
import { SessionService } from './session.service.js';

@Module({
  imports: [
    AuditModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: secretKeyObject(config.keys.jwtSecret, 'JWT_SECRET'),
        signOptions: {
          algorithm: JWT_ALGORITHM,
          issuer: config.env.JWT_ISSUER,
          audience: config.env.JWT_AUDIENCE,
          expiresIn: config.env.JWT_TTL_SECONDS,
        },
        verifyOptions: { algorithms: [JWT_ALGORITHM] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionService,
    LoginThrottleService,
    DenialSummaryService,
    JwtStrategy,
    LocalStrategy,
    { provide: SessionCache, useFactory: () => new SessionCache() },
    SessionConfirmation,
    { provide: APP_GUARD, useClass: AccessGuard },
    SessionConfirmHook,
  ],
  exports: [SessionService, LoginThrottleService, SessionConfirmHook],
})
export class AuthModule {}
