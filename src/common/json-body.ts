import { Transform, type Readable } from 'node:stream';
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

/** JSON Merge Patch (RFC 7396): accepted as a JSON body on PATCH routes. */
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';

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
 * The nesting depth and the number of members and values of JSON text, counted outside strings, before
 * JSON.parse allocates anything; fed piece by piece (a body as it arrives) or whole. A piece is text (UTF-16
 * code units) or bytes (UTF-8): every character counted is ASCII, and no byte of a multi-byte UTF-8 character
 * is, so both count alike. Malformed text is left to the parser (the counts are then only an upper bound of
 * the work, which is what they limit).
 */
export class JsonShapeCounter {
  private depth = 0;
  private keys = 0;
  private values = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly limits: JsonLimits) {}

  /** Counts the next piece; returns what is over its limit (from then on), or null. */
  feed(piece: string | Uint8Array): string | null {
    const text = typeof piece === 'string';
    const { limits } = this;
    for (let i = 0; i < piece.length; i += 1) {
      const c = text ? piece.charCodeAt(i) : piece[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.depth += 1;
        if (this.depth > limits.maxDepth) return `the body is nested deeper than ${limits.maxDepth} levels`;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) this.depth -= 1;
      else if (c === COLON) {
        this.keys += 1;
        if (this.keys > limits.maxKeys) return `the body has more than ${limits.maxKeys} fields`;
      } else if (c === COMMA) {
        this.values += 1;
        if (this.values > limits.maxValues) return `the body has more than ${limits.maxValues} values`;
      }
    }
    return null;
  }
}

/** What of a whole JSON text is over its limit (JsonShapeCounter), or null. */
export const jsonOverLimit = (text: string, limits: JsonLimits): string | null =>
  new JsonShapeCounter(limits).feed(text);

/**
 * A body that says it is at most this long is counted once it has arrived (by parseJsonBody, before it parses),
 * not as it arrives: counting 16 KB whole costs microseconds, and the stream per request was about 1% of a
 * create's CPU. (Fastify holds a body to its Content-Length: a longer one is refused.)
 */
export const COUNTED_WHOLE_BYTES = 16 * 1024;

/**
 * Whether a request's body is counted as it arrives (countedJsonStream): a JSON body in UTF-8 (another charset
 * is parseJsonBody's 415, whatever the body holds) whose Content-Length is neither small (COUNTED_WHOLE_BYTES,
 * counted whole instead) nor already over the route's limit (Fastify refuses that one unread). A body without a
 * Content-Length (chunked) is always counted as it arrives.
 */
export function countsAsItArrives(
  headers: { 'content-type'?: string; 'content-length'?: string },
  bodyLimit: number,
): boolean {
  const type = headers['content-type'] ?? '';
  if (!/^\s*application\/json\s*(;|$)/i.test(type)) return false;
  const charset = charsetOf(type);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return false;
  const declared = headers['content-length'] === undefined ? NaN : Number(headers['content-length']);
  if (declared <= COUNTED_WHOLE_BYTES) return false;
  return !(declared > bodyLimit);
}

/**
 * A JSON body's stream with its shape counted as it arrives (a Fastify preParsing stream): over a limit, it
 * fails with the same 400 as parseJsonBody at once, without reading (or keeping) the rest of the body, and
 * the connection is closed after the answer (Fastify does so for a body error): a client sending megabytes
 * of keys costs the server the first few kilobytes only. The bytes pass unchanged.
 */
export function countedJsonStream(
  payload: Readable,
  limits: JsonLimits,
): Transform & { receivedEncodedLength: number } {
  const counter = new JsonShapeCounter(limits);
  const counted = Object.assign(
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        counted.receivedEncodedLength += chunk.length;
        const over = counter.feed(chunk);
        if (over === null) callback(null, chunk);
        else {
          // Stop reading the request (its socket is closed once the 400 is sent), but do not destroy it first.
          payload.unpipe(counted);
          payload.pause();
          callback(validationFailed(`Validation failed: ${over}`));
        }
      },
    }),
    { receivedEncodedLength: 0 },
  );
  payload.on('error', (error) => counted.destroy(error));
  // Fastify listens once it reads the body; a body it refuses unread (Content-Length over the route's limit)
  // must not make the refusal an unhandled 'error' event, which would end the process.
  counted.on('error', () => undefined);
  payload.pipe(counted);
  return counted;
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
