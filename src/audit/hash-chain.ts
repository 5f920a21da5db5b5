import { canonicalJson } from '../common/canonical-json.js';
import { hmacSha256Hex, sha256Hex } from '../crypto/index.js';

/** The hash before the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The content of an event that its hash covers (everything but the hash itself). */
export interface ChainedEventContent {
  seq: number;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  outcome: string;
  requestId: string | null;
  details: unknown;
  prevHash: string;
}

/**
 * HMAC-SHA256, under the audit chain key, of the event's own content (who, what, outcome, details),
 * computed by the service before appending. The key never reaches the database: someone who can write to
 * the database but does not hold the key cannot produce the hash of altered content, and so cannot rewrite
 * the chain after a change to make it verify again.
 */
export function contentHash(
  key: Buffer,
  event: Omit<ChainedEventContent, 'seq' | 'at' | 'prevHash'>,
): string {
  return hmacSha256Hex(
    key,
    canonicalJson([
      event.actorId,
      event.actorRole,
      event.action,
      event.resourceType,
      event.resourceId,
      event.outcome,
      event.requestId,
      event.details,
    ]),
  );
}

/**
 * hash_n = SHA-256(`${hash_(n-1)}|${seq}|${at}|${contentHash}`), with `at` in ISO 8601 UTC to the millisecond.
 * The database function audit_append() computes the same link (migrations/…-Platform.ts) while it holds the
 * chain lock, so that seq, time and link are assigned in commit order in one statement.
 */
export function eventHash(key: Buffer, event: ChainedEventContent): string {
  return sha256Hex(`${event.prevHash}|${event.seq}|${event.at}|${contentHash(key, event)}`);
}

export interface StoredChainedEvent extends ChainedEventContent {
  hash: string;
}

export interface ChainState {
  readonly key: Buffer;
  nextSeq: number;
  prevHash: string;
}

export const chainStart = (key: Buffer): ChainState => ({ key, nextSeq: 1, prevHash: GENESIS_HASH });

/**
 * Checks one event against the chain so far. Seqs must be gapless from 1 (a DELETE leaves a gap),
 * each event must link to its predecessor's hash (an insertion or reordering breaks the link), and its
 * hash must match its content (an UPDATE changes the content, and only the key holder can hash new content).
 * Returns the first bad seq, or null.
 */
export function checkLink(state: ChainState, event: StoredChainedEvent): number | null {
  if (event.seq !== state.nextSeq) return state.nextSeq;
  if (event.prevHash !== state.prevHash || eventHash(state.key, event) !== event.hash) return event.seq;
  state.nextSeq += 1;
  state.prevHash = event.hash;
  return null;
}
