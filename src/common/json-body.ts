import secureJsonParse from 'secure-json-parse';
import { DomainError, validationFailed } from './errors.js';
import { assertSafeInput } from './safe-input.js';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Object members in the whole body. */
  maxKeys: number;
  /** Values in the whole body (members and array elements). */
  maxValues: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxKeys: 1000, maxValues: 20_000 };

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

/**
 * One pass over the raw text, before JSON.parse allocates anything: the nesting depth and the number of
 * members and values, counted outside strings. Returns what is over its limit, or null. Malformed text is
 * left to the parser (the counts are then only an upper bound of the work, which is what they limit).
 */
export function jsonOverLimit(text: string, limits: JsonLimits): string | null {
  let depth = 0;
  let keys = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > limits.maxDepth) return `the body is nested deeper than ${limits.maxDepth} levels`;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth -= 1;
    else if (c === COLON) {
      keys += 1;
      if (keys > limits.maxKeys) return `the body has more than ${limits.maxKeys} fields`;
    } else if (c === COMMA) {
      values += 1;
      if (values > limits.maxValues) return `the body has more than ${limits.maxValues} values`;
    }
  }
  return null;
}

const unsupported = (message: string) => new DomainError('UNSUPPORTED_MEDIA_TYPE', message);

/** The charset parameter of a Content-Type header (lower-cased, unquoted), or undefined. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    return param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return undefined;
}

/**
 * Parses a JSON body: only UTF-8 (415 otherwise, RFC 8259 §8.1), size and shape bounded before parsing,
 * then secure-json-parse (prototype-poisoning keys are a 400), then the reserved-key and NUL check.
 * Messages never quote the body.
 */
export function parseJsonBody(text: string, contentType: string | undefined, limits: JsonLimits): unknown {
  const charset = charsetOf(contentType);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw unsupported('Unsupported charset: JSON bodies must be UTF-8');
  }
  if (text.length === 0) throw validationFailed('Validation failed: the body is empty');
  const over = jsonOverLimit(text, limits);
  if (over !== null) throw validationFailed(`Validation failed: ${over}`);
  let value: unknown;
  try {
    value = secureJsonParse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const poisoned = error instanceof SyntaxError && /prototype/.test(error.message);
    throw validationFailed(
      poisoned
        ? 'Validation failed: property __proto__ or constructor.prototype should not exist'
        : 'Validation failed: the body is not valid JSON',
    );
  }
  assertSafeInput(value);
  return value;
}
