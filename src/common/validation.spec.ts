import type { ValidationError } from '@nestjs/common';
import { validationException } from './validation.js';

const error = (property: string, constraints: Record<string, string>): ValidationError => ({
  property,
  constraints,
  children: [],
});

describe('validationException', () => {
  it('lists a problem that two rules report alike once', () => {
    const e = validationException([
      error('password', {
        isStrongPassword: 'password must not be only digits',
        passwordPolicy: 'password must not be only digits',
      }),
      error('username', { isString: 'username must be a string' }),
    ]);
    expect(e.message).toBe('Validation failed: password must not be only digits; username must be a string');
  });

  it('counts what it does not list, after removing repeats', () => {
    const many = Array.from({ length: 14 }, (_, i) => error(`f${i}`, { isString: `f${i} must be a string` }));
    const e = validationException([...many, ...many]);
    expect(e.message).toMatch(/f9 must be a string; and 4 more$/);
  });
});
