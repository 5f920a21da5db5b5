import type { SigningKey, VerifyingKey } from '../crypto/index.js';

/**
 * Signed checkpoints of the audit log, in the manner of a Certificate Transparency / C2SP tlog checkpoint:
 * the signed body is the text
 *
 *     ctr-case-api/audit\n<seq>\n<base64 of the 32-byte head hash>\n<at, ISO 8601 UTC>\n
 *
 * (origin line, log size, root hash, one extension line), signed with Ed25519. `seq` is the number of the
 * newest event covered and `headHash` its chain hash: anyone holding the public key can check that an
 * export contains exactly the events the service had signed for.
 */
export const CHECKPOINT_ORIGIN = 'ctr-case-api/audit';

export interface Checkpoint {
  seq: number;
  headHash: string;
  at: string;
  keyId: string;
  signature: string;
}

export function checkpointBody(checkpoint: { seq: number; headHash: string; at: string }): string {
  const root = Buffer.from(checkpoint.headHash, 'hex').toString('base64');
  return `${CHECKPOINT_ORIGIN}\n${checkpoint.seq}\n${root}\n${checkpoint.at}\n`;
}

export function signCheckpoint(
  key: SigningKey,
  head: { seq: number; headHash: string },
  at: Date,
): Checkpoint {
  const unsigned = { seq: head.seq, headHash: head.headHash, at: at.toISOString() };
  return { ...unsigned, keyId: key.keyId, signature: key.sign(checkpointBody(unsigned)) };
}

/** True when one of `keys` made the signature (key ids are labels, not trusted). */
export function isSignedBy(checkpoint: Checkpoint, keys: readonly VerifyingKey[]): boolean {
  if (!/^[0-9a-f]{64}$/.test(checkpoint.headHash) || !Number.isSafeInteger(checkpoint.seq)) return false;
  const body = checkpointBody(checkpoint);
  return keys.some((key) => key.verify(body, checkpoint.signature));
}
