import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { parseMasterKeys } from './keys.js';

/** A public key that verifies signatures. */
export interface VerifyingKey {
  /** The public key as SPKI PEM. */
  readonly publicKeyPem: string;
  verify(data: string, signatureBase64: string): boolean;
}

/** An Ed25519 signing key, known by its id; its private half never leaves this module. */
export interface SigningKey extends VerifyingKey {
  readonly keyId: string;
  /** Base64 Ed25519 signature of `data` (UTF-8). */
  sign(data: string): string;
}

export interface SigningKeyRing {
  currentKeyId: string;
  keys: Map<string, SigningKey>;
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function signingKeyFromSeed(keyId: string, seed: Buffer): SigningKey {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return {
    keyId,
    ...verifyingKey(createPublicKey(privateKey)),
    sign: (data) => sign(null, Buffer.from(data, 'utf8'), privateKey).toString('base64'),
  };
}

/**
 * Parses Ed25519 signing keys given as `keyId:base64(32-byte seed),…` (the master-key list format) and
 * the id of the one that signs; the others stay published so that older signatures keep verifying.
 * Errors name `name` and never contain key material.
 */
export function parseSigningKeys(value: string, currentKeyId: string, name: string): SigningKeyRing {
  const seeds = parseMasterKeys(value, name);
  if (!seeds.has(currentKeyId)) throw new Error(`${name}: the current signing key id names no key`);
  const keys = new Map<string, SigningKey>();
  for (const [keyId, seed] of seeds) keys.set(keyId, signingKeyFromSeed(keyId, seed));
  return { currentKeyId, keys };
}

function verifyingKey(key: KeyObject): VerifyingKey {
  return {
    publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString(),
    verify(data, signatureBase64) {
      try {
        return verify(null, Buffer.from(data, 'utf8'), key, Buffer.from(signatureBase64, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

/** Every Ed25519 public key in a PEM text (one or more `PUBLIC KEY` blocks). Throws if there is none. */
export function parsePublicKeysPem(pem: string): VerifyingKey[] {
  const blocks = pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  const keys = blocks.map((block) => createPublicKey(block));
  if (keys.length === 0) throw new Error('no PEM public key found');
  for (const key of keys) {
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('public key is not an Ed25519 key');
  }
  return keys.map(verifyingKey);
}

/** The Ed25519 public key of a JWK ({kty: "OKP", crv: "Ed25519", x}). */
export function jwkOf(publicKeyPem: string): { kty: string; crv: string; x: string } {
  const jwk = createPublicKey(publicKeyPem).export({ format: 'jwk' });
  return { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x) };
}
