import { RouteConfig } from '@nestjs/platform-fastify';
import type { RouteOptions } from 'fastify';

/**
 * A route's own body limit, smaller than BODY_LIMIT_BYTES (e.g. a few KB for login): larger bodies are a 413
 * before any byte is parsed. Applied by `applyRouteBodyLimit` (an onRoute hook in app.ts).
 */
export const BodyLimit = (bytes: number) => RouteConfig({ bodyLimit: bytes });

export function applyRouteBodyLimit(route: RouteOptions): void {
  const limit = (route.config as { bodyLimit?: unknown } | undefined)?.bodyLimit;
  if (typeof limit === 'number') route.bodyLimit = limit;
}
