import { Injectable } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { contextOf, type AppRequest } from '../common/request-context.js';
import { validateBody } from '../common/validation.js';
import { AuthService, type Account } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';
import type { ExecutionContext } from '@nestjs/common';

/** Username and password from the body; throttling, timing equalisation and auditing live in AuthService. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly auth: AuthService) {
    super({ passReqToCallback: true, session: false });
  }

  validate(request: AppRequest, username: string, password: string): Promise<Account> {
    return this.auth.verifyCredentials(contextOf(request), username, password);
  }
}

/** Validates the login body first (so passport only ever sees two bounded strings), then authenticates. */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AppRequest>();
    await validateBody(LoginDto, request.body);
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user) throw new Error('local strategy returned no account');
    return user;
  }
}
