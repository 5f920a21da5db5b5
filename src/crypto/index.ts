/**
 * The cryptography of the service. This folder is the only place that imports `node:crypto`;
 * everything else imports from here.
 */
export { normalizeDocumentNumber, normalizeName } from './normalize.js';
export { pseudonymFor, type PseudonymIdentity } from './pseudonym.js';
export { BLIND_INDEX_BITS, BlindIndexer, blindIndex, type BlindIndexField } from './blind-index.js';
export {
  CryptoError,
  generateDataKey,
  generateEpochKey,
  open,
  rewrapDataKey,
  seal,
  unwrapDataKey,
  unwrapEpochKey,
  wrapDataKey,
  wrapEpochKey,
  type MasterKeyRing,
  type WrappedDataKey,
} from './envelope.js';
export {
  deriveSubkey,
  generateKeyBase64,
  KEY_BYTES,
  KEY_ID_PATTERN,
  parseKey,
  parseMasterKeys,
  secretKeyObject,
  type SecretKeyObject,
} from './keys.js';
export { epochIndex, EPOCH_ID_PATTERN, isRolloverDue } from './epochs.js';
export { hmacSha256Hex, newUuid, sha256Hex, timingSafeEqualStrings } from './hash.js';
export { prfBitStream, randomBitSource, type BitSource } from './prf-stream.js';
export {
  PHONETIC_KEY_BITS,
  phoneticForm,
  phoneticKey,
  phoneticSubkey,
  type PhoneticIdentity,
} from './phonetic.js';
export {
  ed25519FromSeed,
  parseEd25519PublicKey,
  signEd25519,
  verifyEd25519,
  type Ed25519SigningKey,
} from './signing.js';
export {
  jwkOf,
  parsePublicKeysPem,
  parseSigningKeys,
  type SigningKey,
  type SigningKeyRing,
  type VerifyingKey,
} from './signing-ring.js';
export { usernameDigest } from './username.js';
