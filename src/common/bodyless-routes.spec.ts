import type { OpenAPIObject } from '@nestjs/swagger';
import { bodylessProblem, bodylessRoutes } from './bodyless-routes.js';

describe('bodylessRoutes', () => {
  it('lists the operations without a request body, in Fastify route form; GET routes are not listed', () => {
    const document = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      paths: {
        '/v1/cases/{id}': {
          get: { responses: {} },
          patch: { requestBody: { content: {} }, responses: {} },
          delete: { responses: {} },
        },
        '/v1/transfers/{id}/accept': { post: { responses: {} } },
        '/v1/cases': { post: { requestBody: { content: {} }, responses: {} } },
      },
    } as unknown as OpenAPIObject;
    expect([...bodylessRoutes(document)].sort()).toEqual([
      'DELETE /v1/cases/:id',
      'POST /v1/transfers/:id/accept',
    ]);
  });
});

describe('bodylessProblem', () => {
  it.each([[undefined], [{}]])('accepts no body and an empty object (%p)', (body) => {
    expect(bodylessProblem(body)).toBeNull();
  });

  it('names the fields of a body sent to a route that takes none, never their values', () => {
    const message = bodylessProblem({ reason: 'Amina Haddad', force: true });
    expect(message).toBe(
      'Validation failed: this route takes no body; property reason, force should not exist',
    );
    expect(message).not.toContain('Amina');
  });

  it('counts the fields beyond the tenth instead of listing them', () => {
    const body = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, i]));
    expect(bodylessProblem(body)).toMatch(/f9, … \(25 fields\) should not exist$/);
  });

  it.each([[null], [[]], [[1]], ['text'], [0], [false]])('refuses any other JSON value (%p)', (body) => {
    expect(bodylessProblem(body)).toBe('Validation failed: this route takes no body');
  });
});
