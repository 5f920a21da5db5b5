import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { assertKey } from './keys.js';
import { sha256Hex } from './hash.js';

/** PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 signing key: the private half stays in memory; the public half is published. */
export interface Ed25519SigningKey {
  readonly privateKey: KeyObject;
  /** SubjectPublicKeyInfo PEM of the public key. */
  readonly publicKeyPem: string;
  /** First 16 hex digits of the SHA-256 of the public key's DER: names the key in signed documents. */
  readonly keyId: string;
}

/**
 * The Ed25519 key of a 32-byte seed (RFC 8032 private key), as configured (base64 of 32 random bytes,
 * like every other key of the service). The seed is never echoed in errors.
 */
export function ed25519FromSeed(seed: Buffer, what = 'Ed25519 seed'): Ed25519SigningKey {
  assertKey(seed, what);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: ed25519KeyId(publicKey),
  };
}

function ed25519KeyId(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ format: 'der', type: 'spki' })).slice(0, 16);
}

/** Ed25519 signature of `data` (strings as UTF-8), base64. */
export function signEd25519(key: Ed25519SigningKey, data: string | Buffer): string {
  return sign(null, Buffer.from(data), key.privateKey).toString('base64');
}

/** The public key of a PEM text, with its key id; throws a plain Error unless it is an Ed25519 key. */
export function parseEd25519PublicKey(pem: string): { publicKey: KeyObject; keyId: string } {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('the public key is not a PEM public key');
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('the public key is not an Ed25519 key');
  return { publicKey, keyId: ed25519KeyId(publicKey) };
}

/** Whether `signature` (base64) is a valid Ed25519 signature of `data` under the PEM public key. */
export function verifyEd25519(publicKeyPem: string, data: string | Buffer, signature: string): boolean {
  const { publicKey } = parseEd25519PublicKey(publicKeyPem);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  return verify(null, Buffer.from(data), publicKey, Buffer.from(signature, 'base64'));
}
