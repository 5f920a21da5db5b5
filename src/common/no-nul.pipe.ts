import { Injectable, type PipeTransform } from '@nestjs/common';
import { validationFailed } from './errors.js';

/** Finds the path of the first string holding a NUL character (PostgreSQL text cannot store one). */
export function findNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'value' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = findNul(child, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

/** Global pipe: a NUL character anywhere in a body, query or parameter is a 400 naming the field. */
@Injectable()
export class NoNulCharactersPipe implements PipeTransform {
  transform(value: unknown): unknown {
    const path = findNul(value);
    if (path) throw validationFailed(`Validation failed: ${path} must not contain NUL characters`);
    return value;
  }
}
