import { validationFailed } from './errors.js';

/**
 * Keys no DTO may have: `__proto__`, `constructor`, `prototype` and every other name of Object.prototype
 * (`toString`, `valueOf`, `hasOwnProperty`, ...). class-validator's whitelist looks field names up in a
 * plain object, so a key named like an inherited property would pass as a known field.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype),
]);

/** Longest key shown in a message: a key is client text and may be anything. */
const MAX_KEY_SHOWN = 64;

const shown = (key: string): string => (key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}…` : key);

/**
 * Refuses, with a 400 naming the path, what no DTO can describe and must never reach the database:
 * a reserved key (class-transformer would drop `__proto__` silently, and the contract wants it refused like
 * any unknown field), a NUL character in any string (PostgreSQL text cannot store one), and anything but
 * parsed records, arrays and scalars. Messages name the field, never the value. Iterative: the depth of the
 * input is bounded before parsing (json-body.ts), and this walk does not use the call stack either way.
 */
export function assertSafeInput(root: unknown): void {
  const stack: Item[] = [{ value: root, parent: null, key: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value } = item;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) {
        throw validationFailed(
          `Validation failed: ${pathOf(item) || 'value'} must not contain NUL characters`,
        );
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i -= 1) stack.push({ value: value[i], parent: item, key: i });
      continue;
    }
    // Only what JSON or a query string parses to: anything else (a stream, a class instance) has a graph that
    // is no input, possibly cyclic, and must not be walked.
    if (!isRecordPrototype(Object.getPrototypeOf(value))) {
      throw validationFailed(`Validation failed: ${pathOf(item) || 'the body'} must be JSON`);
    }
    const keys = Object.keys(value);
    for (const key of keys) {
      const at = () => pathOf({ value: undefined, parent: item, key });
      if (RESERVED_KEYS.has(key))
        throw validationFailed(`Validation failed: property ${at()} should not exist`);
      if (key.includes('\u0000'))
        throw validationFailed(`Validation failed: ${at()} must not contain NUL characters`);
    }
    for (let i = keys.length - 1; i >= 0; i -= 1) {
      stack.push({ value: (value as Record<string, unknown>)[keys[i]], parent: item, key: keys[i] });
    }
  }
}

/**
 * The prototype of a parsed record: Object.prototype (JSON), none, or an empty object without a prototype
 * (fast-querystring's query objects inherit from one).
 */
function isRecordPrototype(proto: unknown): boolean {
  if (proto === null || proto === Object.prototype) return true;
  return (
    typeof proto === 'object' && Object.getPrototypeOf(proto) === null && Reflect.ownKeys(proto).length === 0
  );
}

/** A node of the walk; its path is built only for a message (never per node: deep input would make that quadratic). */
interface Item {
  value: unknown;
  parent: Item | null;
  key: string | number;
}

/** `a.b[2].c`, shortened in the middle when deep (the input's depth is bounded, but not here). */
function pathOf(item: Item): string {
  const parts: string[] = [];
  for (let at: Item | null = item; at !== null && at.parent !== null; at = at.parent) {
    parts.push(typeof at.key === 'number' ? `[${at.key}]` : `.${shown(at.key)}`);
  }
  parts.reverse();
  const path = (parts.length > 12 ? [...parts.slice(0, 6), '…', ...parts.slice(-5)] : parts).join('');
  return path.startsWith('.') ? path.slice(1) : path;
}
