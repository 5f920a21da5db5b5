import { validationFailed } from './errors.js';

const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * Refuses, with a 400 naming the path, what no DTO can describe and must never reach the database:
 * a `__proto__`, `constructor` or `prototype` key (class-transformer would drop it silently, and the contract
 * wants it refused like any unknown field), and a NUL character in any string (PostgreSQL text cannot
 * store one). Messages name the field, never the value.
 */
export function assertSafeInput(value: unknown, path = ''): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      throw validationFailed(`Validation failed: ${path || 'value'} must not contain NUL characters`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertSafeInput(item, `${path}[${i}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (RESERVED_KEYS.includes(key))
      throw validationFailed(`Validation failed: property ${at} should not exist`);
    assertSafeInput((value as Record<string, unknown>)[key], at);
  }
}
