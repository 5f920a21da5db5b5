import type { OpenAPIObject } from '@nestjs/swagger';

/** Methods whose requests may carry a body (GET and HEAD bodies are not read). */
const WITH_BODY = ['post', 'put', 'patch', 'delete'] as const;

/**
 * The routes that take no body, from the OpenAPI document (an operation without a requestBody), as
 * `METHOD /path/:param` the way Fastify names a matched route: POST /v1/transfers/:id/accept, DELETE
 * /v1/cases/:id, POST /v1/auth/logout, ... . Derived from the same decorators as the routes themselves, so a
 * new route needs no edit here.
 */
export function bodylessRoutes(document: OpenAPIObject): Set<string> {
  const routes = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of WITH_BODY) {
      const operation = item[method];
      if (operation !== undefined && operation.requestBody === undefined) {
        routes.add(routeKey(method, path.replace(/\{([^}]+)\}/g, ':$1')));
      }
    }
  }
  return routes;
}

export const routeKey = (method: string, url: string): string => `${method.toUpperCase()} ${url}`;

/**
 * What is wrong with the parsed body of a request to a route that takes none (null: nothing). No body, or
 * an empty object, is fine: clients often send `{}` or a JSON content type with every request. Any field is
 * a 400 like an unknown field anywhere else (named, never its value); so is any other JSON value.
 */
export function bodylessProblem(body: unknown): string | null {
  if (body === undefined) return null;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const fields = Object.keys(body);
    if (fields.length === 0) return null;
    const named =
      fields.slice(0, 10).join(', ') + (fields.length > 10 ? `, … (${fields.length} fields)` : '');
    return `Validation failed: this route takes no body; property ${named} should not exist`;
  }
  return 'Validation failed: this route takes no body';
}
