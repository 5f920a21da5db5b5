import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BodyLimit } from '../common/body-limit.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { Ctx, type AppRequest, type RequestContext } from '../common/request-context.js';
import { Authenticated, Public } from './access.decorator.js';
import { AuthService, type Account } from './auth.service.js';
import { LoginDto, LoginResponseDto, MeDto } from './dto/login.dto.js';
import { LocalAuthGuard } from './local.strategy.js';

/** A login body is two short strings: anything near this size is not one. */
const LOGIN_BODY_LIMIT_BYTES = 4096;

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @Public('auth.login')
  @BodyLimit(LOGIN_BODY_LIMIT_BYTES)
  @UseGuards(LocalAuthGuard)
  @ApiOperation({ summary: 'Exchange username and password for a short-lived bearer token' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiUnauthorizedResponse({
    description: 'Unknown user or wrong password (same body)',
    type: ErrorResponseDto,
  })
  @ApiTooManyRequestsResponse({ description: 'Too many failures; see Retry-After', type: ErrorResponseDto })
  login(
    @Body() _body: LoginDto,
    @Req() request: AppRequest,
    @Ctx() ctx: RequestContext,
  ): Promise<LoginResponseDto> {
    return this.auth.openSession(ctx, request.user as unknown as Account);
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated('auth.logout')
  @ApiOperation({ summary: 'Revoke the current token at once' })
  @ApiNoContentResponse({ description: 'The token no longer works' })
  async logout(@Ctx() ctx: RequestContext): Promise<void> {
    await this.auth.logout(ctx, ctx.actor!);
  }

  @Get('me')
  @Authenticated('auth.me')
  @ApiOperation({ summary: 'The calling account' })
  @ApiOkResponse({ type: MeDto })
  me(@Ctx() ctx: RequestContext): MeDto {
    const { id, username, role, officeId, approvedUntil } = ctx.actor!;
    return { id, username, role, officeId, approvedUntil };
  }
}
