import { createHmac } from 'node:crypto';
import { deriveSubkey } from './keys.js';
import { normalizeDocumentNumber, normalizeName } from './normalize.js';

export type BlindIndexField = 'givenName' | 'familyName' | 'documentNumber';

/**
 * Width of a blind index. Following CipherSweet's rule of thumb, the HMAC is deliberately truncated so
 * that many distinct values share each index value: an attacker holding the table (and even a list of
 * candidate names) learns only a coarse bucket, not which value a row holds. The cost is false
 * positives, which searches remove by decrypting the candidate rows and comparing normalized values.
 * 16 bits = 65,536 buckets: selective enough for a case registry, yet collisions exist by design.
 */
export const BLIND_INDEX_BITS = 16;

const NORMALIZERS: Readonly<Record<BlindIndexField, (value: string) => string>> = {
  givenName: normalizeName,
  familyName: normalizeName,
  documentNumber: normalizeDocumentNumber,
};

/**
 * The per-field blind-index keys derived from one root key, computed once (HKDF-SHA256 with info
 * `blind-index:<field>`): deriving them on every call cost an hkdf per indexed field per request.
 */
export class BlindIndexer {
  private readonly keys: Readonly<Record<BlindIndexField, Buffer>>;

  constructor(rootKey: Buffer) {
    this.keys = {
      givenName: deriveSubkey(rootKey, 'blind-index:givenName'),
      familyName: deriveSubkey(rootKey, 'blind-index:familyName'),
      documentNumber: deriveSubkey(rootKey, 'blind-index:documentNumber'),
    };
  }

  /** The blind index of `value` for `field`; see {@link blindIndex}. */
  index(field: BlindIndexField, value: string): number {
    if (!Object.hasOwn(this.keys, field)) {
      throw new Error('unknown blind index field');
    }
    const normalized = NORMALIZERS[field](value);
    if (normalized.length === 0) {
      throw new Error(`cannot compute a blind index of an empty ${field} (nothing left after normalization)`);
    }
    const mac = createHmac('sha256', this.keys[field]).update(normalized, 'utf8').digest();
    return mac.readUInt32BE(0) >>> (32 - BLIND_INDEX_BITS);
  }
}

/**
 * The blind index of `value` for `field`: the value is normalized (names with `normalizeName`, document
 * numbers with `normalizeDocumentNumber`), HMAC-SHA256'd under a per-field key derived from `rootKey`
 * with HKDF-SHA256 (info `blind-index:<field>`), and the first {@link BLIND_INDEX_BITS} bits are
 * returned as an integer in [0, 2^BLIND_INDEX_BITS). Derives the keys on each call: services hold a
 * {@link BlindIndexer} instead.
 *
 * Throws if the normalized value is empty (e.g. "--"): such a value cannot be searched for.
 */
export function blindIndex(rootKey: Buffer, field: BlindIndexField, value: string): number {
  return new BlindIndexer(rootKey).index(field, value);
}
