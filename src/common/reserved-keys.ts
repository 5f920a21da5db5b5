import { validationFailed } from './errors.js';

const RESERVED = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * Throws a 400 naming the first `__proto__`, `constructor` or `prototype` key anywhere in a parsed JSON
 * body. class-transformer silently drops such keys, so the global whitelist never sees them; the
 * contract wants them refused like any other unknown field.
 */
export function rejectReservedKeys(value: unknown, path = ''): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => rejectReservedKeys(item, `${path}[${i}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if ((RESERVED as readonly string[]).includes(key)) {
      throw validationFailed(`Validation failed: property ${at} should not exist`);
    }
    rejectReservedKeys((value as Record<string, unknown>)[key], at);
  }
}
