import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CryptoError } from './crypto-error.js';
import { KEY_BYTES, KEY_ID_PATTERN } from './keys.js';

export { CryptoError } from './crypto-error.js';

/**
 * A ring of key-encryption keys by id. `currentKeyId` wraps new keys; older keys stay in `keys` until
 * every key wrapped under them has been rewrapped. Used for the master keys (which wrap epoch keys) and
 * for the epoch keys (which wrap the cases' data keys).
 */
export interface MasterKeyRing {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export interface WrappedDataKey {
  keyId: string;
  wrapped: Buffer;
}

const ALGORITHM = 'aes-256-gcm';
const FORMAT_VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** A fresh random 256-bit data key (one per case; destroying it erases the case's encrypted fields). */
export function generateDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** A fresh random 256-bit epoch key. */
export function generateEpochKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * Encrypts `plaintext` under `dataKey` with AES-256-GCM and a random 96-bit IV.
 * Output: version byte 0x01 || IV (12) || tag (16) || ciphertext. The version byte and `aad`
 * (e.g. `${caseId}:subject`) are authenticated, so a ciphertext moved to another case or field fails to open.
 * Throws RangeError for a string with unpaired surrogates (it has no exact UTF-8 encoding).
 */
export function seal(dataKey: Buffer, plaintext: string, aad: string): Buffer {
  if (/\p{Cs}/u.test(plaintext)) {
    throw new RangeError('plaintext is not well-formed Unicode (unpaired surrogate)');
  }
  return sealBytes(dataKey, Buffer.from(plaintext, 'utf8'), aad);
}

/** Decrypts the output of {@link seal}; throws {@link CryptoError} on any tampering, wrong key or wrong `aad`. */
export function open(dataKey: Buffer, sealed: Buffer, aad: string): string {
  return openBytes(dataKey, sealed, aad).toString('utf8');
}

/**
 * Wraps (encrypts) a data key under the ring's current master key. The associated data binds the
 * master key id and the case id, so a wrapped key cannot be moved to another case.
 */
export function wrapDataKey(ring: MasterKeyRing, dataKey: Buffer, caseId: string): WrappedDataKey {
  if (dataKey.length !== KEY_BYTES) {
    throw new CryptoError(`data key must be ${KEY_BYTES} bytes`);
  }
  const keyId = ring.currentKeyId;
  const masterKey = masterKeyFor(ring, keyId);
  return { keyId, wrapped: sealBytes(masterKey, dataKey, wrapAad(keyId, caseId)) };
}

/** Unwraps a data key; throws {@link CryptoError} if the key id is unknown or authentication fails. */
export function unwrapDataKey(ring: MasterKeyRing, keyId: string, wrapped: Buffer, caseId: string): Buffer {
  const dataKey = openBytes(masterKeyFor(ring, keyId), wrapped, wrapAad(keyId, caseId));
  if (dataKey.length !== KEY_BYTES) {
    throw new CryptoError('wrapped data key has the wrong length');
  }
  return dataKey;
}

/**
 * Key rotation: unwraps with the key that wrapped the data key and wraps again under the ring's current
 * key. The data key, and so every ciphertext sealed under it, is unchanged.
 */
export function rewrapDataKey(
  ring: MasterKeyRing,
  keyId: string,
  wrapped: Buffer,
  caseId: string,
): WrappedDataKey {
  const dataKey = unwrapDataKey(ring, keyId, wrapped, caseId);
  try {
    return wrapDataKey(ring, dataKey, caseId);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Wraps an epoch key (a key-encryption key of one epoch) under the ring's current master key; the
 * associated data binds the master key id and the epoch id.
 */
export function wrapEpochKey(ring: MasterKeyRing, epochKey: Buffer, epochId: string): WrappedDataKey {
  if (epochKey.length !== KEY_BYTES) {
    throw new CryptoError(`epoch key must be ${KEY_BYTES} bytes`);
  }
  const keyId = ring.currentKeyId;
  return { keyId, wrapped: sealBytes(masterKeyFor(ring, keyId), epochKey, epochWrapAad(keyId, epochId)) };
}

/** Unwraps an epoch key; throws {@link CryptoError} if the master key id is unknown or authentication fails. */
export function unwrapEpochKey(ring: MasterKeyRing, keyId: string, wrapped: Buffer, epochId: string): Buffer {
  const epochKey = openBytes(masterKeyFor(ring, keyId), wrapped, epochWrapAad(keyId, epochId));
  if (epochKey.length !== KEY_BYTES) {
    throw new CryptoError('wrapped epoch key has the wrong length');
  }
  return epochKey;
}

function epochWrapAad(keyId: string, epochId: string): string {
  return JSON.stringify(['epoch-key', keyId, epochId]);
}

function masterKeyFor(ring: MasterKeyRing, keyId: string): Buffer {
  const key = ring.keys.get(keyId);
  if (key === undefined) {
    const shown = KEY_ID_PATTERN.test(keyId) ? ` ${keyId}` : '';
    throw new CryptoError(`unknown master key id${shown}`);
  }
  if (key.length !== KEY_BYTES) {
    throw new CryptoError(`master key must be ${KEY_BYTES} bytes`);
  }
  return key;
}

/** Unambiguous: key ids cannot contain quotes, and JSON escapes whatever the case id contains. */
function wrapAad(keyId: string, caseId: string): string {
  return JSON.stringify(['data-key', keyId, caseId]);
}

function headerAad(aad: string): Buffer {
  return Buffer.concat([Buffer.of(FORMAT_VERSION), Buffer.from(aad, 'utf8')]);
}

function sealBytes(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  if (key.length !== KEY_BYTES) {
    throw new CryptoError(`encryption key must be ${KEY_BYTES} bytes`);
  }
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(headerAad(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_VERSION), iv, cipher.getAuthTag(), ciphertext]);
}

function openBytes(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (key.length !== KEY_BYTES) {
    throw new CryptoError(`decryption key must be ${KEY_BYTES} bytes`);
  }
  if (!Buffer.isBuffer(sealed) || sealed.length < HEADER_BYTES) {
    throw new CryptoError('ciphertext is truncated');
  }
  if (sealed[0] !== FORMAT_VERSION) {
    throw new CryptoError('unsupported ciphertext version');
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(headerAad(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    throw new CryptoError('decryption failed: wrong key, wrong associated data or tampered ciphertext');
  }
}
