import { sha256Hex, type SigningKey, type VerifyingKey } from '../crypto/index.js';

/**
 * Signed checkpoints of the audit log, in the manner of a Certificate Transparency / C2SP tlog checkpoint.
 *
 * A checkpoint of the striped chain (scheme 3) signs the heads of every stripe at once, so that no stripe
 * can lose its newest events without disagreeing with it:
 *
 *     ctr-case-api/audit/v3\n<seq>\n<base64 of the 32-byte root>\n<at, ISO 8601 UTC>\n
 *     <stripe> <stripeSeq> <seq> <hash>\n   (one line per stripe, 0 first)
 *
 * `seq` is the newest global seq among the heads, the root (`headHash`) the SHA-256 of the head lines, and a
 * head line names the stripe's newest event (`stripeSeq` 0: none yet; its seq and hash are then the legacy
 * chain's head, where every stripe starts). A checkpoint of the legacy single chain (before migration
 * 1797010000000) has no heads and signs `ctr-case-api/audit\n<seq>\n<base64 head hash>\n<at>\n`, its headHash
 * being the hash of the event at seq.
 */
export const CHECKPOINT_ORIGIN = 'ctr-case-api/audit';
export const CHECKPOINT_ORIGIN_V3 = 'ctr-case-api/audit/v3';

export interface StripeHead {
  stripe: number;
  /** The stripe's newest event, counted in the stripe (0: no event yet). */
  stripeSeq: number;
  /** Its global seq (the legacy head's when stripeSeq is 0). */
  seq: number;
  /** Its hash (the legacy head's when stripeSeq is 0). */
  hash: string;
}

export interface Checkpoint {
  seq: number;
  headHash: string;
  at: string;
  keyId: string;
  signature: string;
  /** Scheme 3: every stripe's head, stripe 0 first. Absent: a checkpoint of the legacy chain. */
  heads?: StripeHead[];
}

const HEX64 = /^[0-9a-f]{64}$/;

const headLines = (heads: readonly StripeHead[]): string =>
  heads.map((h) => `${h.stripe} ${h.stripeSeq} ${h.seq} ${h.hash}\n`).join('');

/** The root a vector checkpoint signs: SHA-256 of its head lines. */
export const headsRoot = (heads: readonly StripeHead[]): string => sha256Hex(headLines(heads));

export function checkpointBody(checkpoint: {
  seq: number;
  headHash: string;
  at: string;
  heads?: readonly StripeHead[];
}): string {
  const root = Buffer.from(checkpoint.headHash, 'hex').toString('base64');
  if (checkpoint.heads === undefined) {
    return `${CHECKPOINT_ORIGIN}\n${checkpoint.seq}\n${root}\n${checkpoint.at}\n`;
  }
  return `${CHECKPOINT_ORIGIN_V3}\n${checkpoint.seq}\n${root}\n${checkpoint.at}\n${headLines(checkpoint.heads)}`;
}

/** Signs the heads of every stripe (scheme 3) or, given {seq, headHash}, a legacy single-chain head. */
export function signCheckpoint(
  key: SigningKey,
  head: { heads: readonly StripeHead[] } | { seq: number; headHash: string },
  at: Date,
): Checkpoint {
  const unsigned =
    'heads' in head
      ? {
          seq: Math.max(...head.heads.map((h) => h.seq)),
          headHash: headsRoot(head.heads),
          at: at.toISOString(),
          heads: head.heads.map(({ stripe, stripeSeq, seq, hash }) => ({ stripe, stripeSeq, seq, hash })),
        }
      : { seq: head.seq, headHash: head.headHash, at: at.toISOString() };
  return { ...unsigned, keyId: key.keyId, signature: key.sign(checkpointBody(unsigned)) };
}

function wellFormedHeads(heads: unknown): heads is StripeHead[] {
  return (
    Array.isArray(heads) &&
    heads.length > 0 &&
    heads.every(
      (h: Partial<StripeHead>, i) =>
        h !== null &&
        typeof h === 'object' &&
        h.stripe === i &&
        Number.isSafeInteger(h.stripeSeq) &&
        (h.stripeSeq as number) >= 0 &&
        Number.isSafeInteger(h.seq) &&
        typeof h.hash === 'string' &&
        HEX64.test(h.hash),
    )
  );
}

/** True when one of `keys` made the signature (key ids are labels, not trusted). */
export function isSignedBy(checkpoint: Checkpoint, keys: readonly VerifyingKey[]): boolean {
  if (!HEX64.test(checkpoint.headHash) || !Number.isSafeInteger(checkpoint.seq)) return false;
  if (checkpoint.heads !== undefined && checkpoint.heads !== null) {
    if (!wellFormedHeads(checkpoint.heads)) return false;
    if (headsRoot(checkpoint.heads) !== checkpoint.headHash) return false;
    if (checkpoint.seq !== Math.max(...checkpoint.heads.map((h) => h.seq))) return false;
  }
  const body = checkpointBody({ ...checkpoint, heads: checkpoint.heads ?? undefined });
  return keys.some((key) => key.verify(body, checkpoint.signature));
}
