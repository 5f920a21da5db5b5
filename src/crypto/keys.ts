import { createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

/** Every key in this module is 256 bits. */
export const KEY_BYTES = 32;

/** Allowed master key identifiers: short, printable, no separators of the `id:key,id:key` list format. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Throws unless `key` is a 32-byte buffer. `what` names the key's role; the key itself is never echoed.
 */
export function assertKey(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new Error(`${what} must be a ${KEY_BYTES}-byte key`);
  }
}

/**
 * Parses a 256-bit key given as base64 or base64url (padding optional, surrounding whitespace ignored).
 * Errors name the variable `name` and never contain the value.
 */
export function parseKey(name: string, value: string): Buffer {
  const text = value.trim();
  if (text.length === 0) {
    throw new Error(`${name} is empty; expected base64 of ${KEY_BYTES} bytes`);
  }
  const encoding = BASE64.test(text) ? 'base64' : BASE64URL.test(text) ? 'base64url' : undefined;
  if (encoding === undefined) {
    throw new Error(`${name} is not valid base64 or base64url; expected base64 of ${KEY_BYTES} bytes`);
  }
  const key = Buffer.from(text, encoding);
  if (key.length !== KEY_BYTES) {
    throw new Error(`${name} must decode to exactly ${KEY_BYTES} bytes (got ${key.length})`);
  }
  return key;
}

/**
 * Parses a master key list `keyId:base64,keyId2:base64` (whitespace around entries is ignored).
 * Key ids match {@link KEY_ID_PATTERN} and must be unique. Errors say which entry is wrong and why,
 * naming `name` (the variable, for messages), and never contain key material.
 */
export function parseMasterKeys(value: string, name = 'master key list'): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === '') {
    throw new Error(`${name} is empty; expected keyId:base64[,keyId:base64...]`);
  }
  entries.forEach((entry, index) => {
    const position = `${name} entry ${index + 1}`;
    const separator = entry.indexOf(':');
    if (separator < 0) {
      throw new Error(`${position} is not of the form keyId:base64`);
    }
    const keyId = entry.slice(0, separator).trim();
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new Error(`${position} has an invalid key id (expected 1-32 characters of A-Z a-z 0-9 _ -)`);
    }
    if (keys.has(keyId)) {
      throw new Error(`${position} repeats key id ${keyId}`);
    }
    keys.set(keyId, parseKey(`${position} (key id ${keyId})`, entry.slice(separator + 1)));
  });
  return keys;
}

/** A fresh random 256-bit key, base64-encoded (for development key files and operators). */
export function generateKeyBase64(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Derives an independent 32-byte subkey from a root key with HKDF-SHA256 (empty salt, `info` as the
 * context label), so one configured secret can serve several purposes without key reuse.
 */
export function deriveSubkey(rootKey: Buffer, info: string): Buffer {
  assertKey(rootKey, 'root key');
  return Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), Buffer.from(info, 'utf8'), KEY_BYTES));
}

/** A symmetric key prepared once as a KeyObject (e.g. the JWT secret), so no library re-parses it per use. */
export type SecretKeyObject = KeyObject;

/**
 * The key as a secret KeyObject. `jsonwebtoken` given a Buffer first tries to parse it as a public key
 * (createPublicKey) on every verification, fails, and only then makes a secret key: a fifth of the CPU
 * of an authenticated request. Given a KeyObject it uses it as is.
 */
export function secretKeyObject(key: Buffer, what = 'secret key'): SecretKeyObject {
  assertKey(key, what);
  return createSecretKey(key);
}
