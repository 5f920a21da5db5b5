import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import {
  BlindIndexer,
  deriveSubkey,
  generateDataKey,
  hmacSha256Hex,
  normalizeDocumentNumber,
  normalizeName,
  open,
  phoneticKey,
  phoneticSubkey,
  pseudonymFor,
  seal,
  unwrapDataKey,
  wrapDataKey,
  type BlindIndexField,
} from '../crypto/index.js';
import { EpochKeyring } from '../keyring/epoch-keyring.js';
import { canonicalJson } from '../common/canonical-json.js';
import type { OpenedCase, Subject } from './case-view.js';

export interface SealedCase {
  keyId: string;
  wrappedKey: Buffer;
  subjectCt: Buffer;
  narrativeCt: Buffer | null;
}

export interface IdentityIndexes {
  pseudonym: string;
  biGivenName: number;
  biFamilyName: number | null;
  biDocumentNumber: number | null;
  phoneticKey: number;
}

/** What decryption needs from a row (AAD binds every ciphertext to its case id and field). */
export interface EncryptedRow {
  id: string;
  keyId?: string | null;
  wrappedKey?: Buffer | null;
  subjectCt?: Buffer | null;
  narrativeCt?: Buffer | null;
}

export class CaseKeyDestroyedError extends Error {
  override readonly name = 'CaseKeyDestroyedError';
}

const aad = (caseId: string, field: 'subject' | 'narrative') => `${caseId}:${field}`;

/** A subject with every key present (null when not given), in a fixed order. */
export function toSubject(input: Partial<Record<keyof Subject, string | null>>): Subject {
  return {
    givenName: input.givenName ?? '',
    familyName: input.familyName ?? null,
    dateOfBirth: input.dateOfBirth ?? null,
    documentNumber: input.documentNumber ?? null,
    phone: input.phone ?? null,
    address: input.address ?? null,
  };
}

/**
 * The cases' use of crypto/: envelope encryption of subject and narrative under a per-case data key
 * (wrapped under the current key epoch's key, see keyring/),
 * the pseudonym, blind indexes, the false-positive check of blind-index searches, and the keyed
 * fingerprint of idempotent requests. Keys come from the configuration only.
 */
@Injectable()
export class CaseCryptoService {
  private readonly fingerprintKey: Buffer;
  private readonly phoneticKey: Buffer;
  private readonly blindIndexer: BlindIndexer;

  constructor(
    private readonly config: AppConfig,
    private readonly keyring: EpochKeyring,
  ) {
    this.fingerprintKey = deriveSubkey(config.keys.pseudonymKey, 'idempotency-fingerprint');
    this.phoneticKey = phoneticSubkey(config.keys.blindIndexKey);
    this.blindIndexer = new BlindIndexer(config.keys.blindIndexKey);
  }

  /** A fresh data key for a new case, wrapped under the current epoch key; subject and narrative sealed. */
  sealNew(caseId: string, subject: Subject, narrative: string | null): SealedCase {
    const dataKey = generateDataKey();
    try {
      const wrapped = wrapDataKey(this.keyring.dataKeyRing(), dataKey, caseId);
      return {
        keyId: wrapped.keyId,
        wrappedKey: wrapped.wrapped,
        subjectCt: seal(dataKey, JSON.stringify(subject), aad(caseId, 'subject')),
        narrativeCt: narrative === null ? null : seal(dataKey, narrative, aad(caseId, 'narrative')),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /** New ciphertexts under the case's existing data key, for the parts given. */
  reseal(
    row: EncryptedRow,
    changes: { subject?: Subject; narrative?: string | null },
  ): { subjectCt?: Buffer; narrativeCt?: Buffer | null } {
    return this.withDataKey(row, (dataKey) => {
      const out: { subjectCt?: Buffer; narrativeCt?: Buffer | null } = {};
      if (changes.subject !== undefined) {
        out.subjectCt = seal(dataKey, JSON.stringify(changes.subject), aad(row.id, 'subject'));
      }
      if (changes.narrative !== undefined) {
        out.narrativeCt =
          changes.narrative === null ? null : seal(dataKey, changes.narrative, aad(row.id, 'narrative'));
      }
      return out;
    });
  }

  /** Decrypts subject and narrative; throws CryptoError on tampering, CaseKeyDestroyedError once erased. */
  open(row: EncryptedRow): OpenedCase {
    return this.withDataKey(row, (dataKey) => {
      if (!row.subjectCt) throw new CaseKeyDestroyedError('the case has no subject ciphertext');
      const subject = toSubject(JSON.parse(open(dataKey, row.subjectCt, aad(row.id, 'subject'))) as Subject);
      const narrative = row.narrativeCt ? open(dataKey, row.narrativeCt, aad(row.id, 'narrative')) : null;
      return { subject, narrative };
    });
  }

  /**
   * A free text attached to the case (e.g. a transfer's reason), sealed under the case's data key with the
   * AAD `<caseId>:<label>`: it becomes unrecoverable when the case is erased.
   */
  sealNote(row: EncryptedRow, label: string, text: string): Buffer {
    return this.withDataKey(row, (dataKey) => seal(dataKey, text, `${row.id}:${label}`));
  }

  /** The text of sealNote, or null once the case's data key is destroyed. */
  openNote(row: EncryptedRow, label: string, ciphertext: Buffer | null): string | null {
    if (ciphertext === null || !row.keyId || !row.wrappedKey) return null;
    return this.withDataKey(row, (dataKey) => open(dataKey, ciphertext, `${row.id}:${label}`));
  }

  indexes(subject: Subject): IdentityIndexes {
    return {
      pseudonym: pseudonymFor(this.config.keys.pseudonymKey, subject),
      biGivenName: this.blindIndex('givenName', subject.givenName),
      biFamilyName: subject.familyName === null ? null : this.blindIndex('familyName', subject.familyName),
      biDocumentNumber:
        subject.documentNumber === null ? null : this.blindIndex('documentNumber', subject.documentNumber),
      phoneticKey: phoneticKey(this.phoneticKey, subject),
    };
  }

  blindIndex(field: BlindIndexField, value: string): number {
    return this.blindIndexer.index(field, value);
  }

  /**
   * Whether a decrypted subject really has the searched value (blind indexes collide by design), as a test
   * made once per search: the searched value is normalized here, not again for every candidate.
   */
  matcher(field: BlindIndexField, searched: string): (subject: Subject) => boolean {
    const normalize = field === 'documentNumber' ? normalizeDocumentNumber : normalizeName;
    const wanted = normalize(searched);
    return (subject) => {
      const stored = subject[field];
      return stored !== null && normalize(stored) === wanted;
    };
  }

  /** Keyed fingerprint of a request body: equal bodies (up to key order) have equal fingerprints. */
  fingerprint(body: unknown): string {
    return hmacSha256Hex(this.fingerprintKey, canonicalJson(body));
  }

  private withDataKey<T>(row: EncryptedRow, use: (dataKey: Buffer) => T): T {
    if (!row.keyId || !row.wrappedKey) throw new CaseKeyDestroyedError('the case data key is destroyed');
    this.keyring.ensure(row.keyId);
    const dataKey = unwrapDataKey(this.keyring.dataKeyRing(), row.keyId, row.wrappedKey, row.id);
    try {
      return use(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }
}
