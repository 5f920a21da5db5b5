import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../policy/index.js';

/** Who is calling, from where, under which request id: passed explicitly to services that audit. */
export interface RequestContext {
  requestId: string;
  ip: string;
  actor: AuthenticatedPrincipal | null;
}

export interface AuthenticatedPrincipal extends Principal {
  username: string;
  sessionId: string;
  approvedUntil: string | null;
}

export type AppRequest = FastifyRequest & { user?: AuthenticatedPrincipal };

export function contextOf(request: AppRequest): RequestContext {
  return { requestId: String(request.id), ip: request.ip, actor: request.user ?? null };
}

/** `@Ctx() ctx: RequestContext` in a controller method. */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  contextOf(context.switchToHttp().getRequest<AppRequest>()),
);
