import { canonicalJson } from '../common/canonical-json.js';
import { sha256Hex } from '../crypto/index.js';

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

/** SHA-256 of the event's own content (who, what, outcome, details): computed by the service before appending. */
export function contentHash(event: Omit<ChainedEventContent, 'seq' | 'at' | 'prevHash'>): string {
  return sha256Hex(
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
export function eventHash(event: ChainedEventContent): string {
  return sha256Hex(`${event.prevHash}|${event.seq}|${event.at}|${contentHash(event)}`);
}

export interface StoredChainedEvent extends ChainedEventContent {
  hash: string;
}

export interface ChainState {
  nextSeq: number;
  prevHash: string;
}

export const chainStart = (): ChainState => ({ nextSeq: 1, prevHash: GENESIS_HASH });

/**
 * Checks one event against the chain so far. Seqs must be gapless from 1 (a DELETE leaves a gap),
 * each event must link to its predecessor's hash (an insertion or reordering breaks the link), and its
 * hash must match its content (an UPDATE changes the content). Returns the first bad seq, or null.
 */
export function checkLink(state: ChainState, event: StoredChainedEvent): number | null {
  if (event.seq !== state.nextSeq) return state.nextSeq;
  if (event.prevHash !== state.prevHash || eventHash(event) !== event.hash) return event.seq;
  state.nextSeq += 1;
  state.prevHash = event.hash;
  return null;
}
