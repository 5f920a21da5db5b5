import { canonicalJson } from '../common/canonical-json.js';
import { hmacSha256Hex, sha256Hex } from '../crypto/index.js';

/**
 * The audit hash chain. Pure functions, shared by the service's verify and the standalone verifier
 * (`npm run audit:verify`), which must compute exactly the same thing from an export.
 */

/** The hash before the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an event's content holds (everything of an event but seq, time and the chain links). */
export interface EventContent {
  actorId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  outcome: string;
  requestId: string | null;
  details: unknown;
}

/** Content of a scheme-2 event: also the client's request id and the records it returned or changed. */
export interface EventContentV2 extends EventContent {
  clientRequestId: string | null;
  resourceIds: readonly string[];
}

/** The content of an event that its hash covers (everything but the hash itself). */
export interface ChainedEventContent extends EventContent {
  seq: number;
  at: string;
  prevHash: string;
}

/**
 * Scheme 1 (events written before migration 1796100000000): HMAC-SHA256 under AUDIT_CHAIN_KEY of the
 * event's content; only the key holder can recompute it.
 */
export function contentHash(key: Buffer, event: EventContent): string {
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

/** Scheme 1: hash_n = SHA-256(`${hash_(n-1)}|${seq}|${at}|${contentHash}`). */
export function eventHash(key: Buffer, event: ChainedEventContent): string {
  return sha256Hex(`${event.prevHash}|${event.seq}|${event.at}|${contentHash(key, event)}`);
}

/** SHA-256 of the resource ids, one per line, in the order recorded; null when there are none. */
export function resourceIdsHash(ids: readonly string[]): string | null {
  return ids.length === 0 ? null : sha256Hex(ids.join('\n'));
}

/**
 * The text of a jsonb value as PostgreSQL prints it (`jsonb::text`): object keys ordered by byte length,
 * then bytewise; ", " and ": " as separators; strings escaped as JSON.stringify does. Scheme 2 hashes
 * `details` in this form, so that the service's verify needs no JSON parsing per event. Audit details
 * hold only strings, safe integers, booleans, null and arrays of them (audit-actions.ts).
 */
export function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    return Number.isInteger(value) ? BigInt(value).toString() : JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [Buffer.from(k, 'utf8'), k, v] as const)
    .sort(([a], [b]) => a.length - b.length || Buffer.compare(a, b));
  return `{${entries.map(([, k, v]) => `${JSON.stringify(k)}: ${jsonbText(v)}`).join(', ')}}`;
}

/**
 * Scheme 2: what an event's hash covers, computed from its columns (audit_content_v2() in
 * migrations/1796100000000-AuditChainV2.ts): the JSON of actorId, actorRole, action, resourceType,
 * resourceId, resourceCount, resourceIdsHash, outcome, requestId, clientRequestId joined by ",", then "|"
 * and the jsonb text of details.
 */
export function contentV2(event: EventContentV2): string {
  const ids = event.resourceIds;
  return (
    [
      event.actorId,
      event.actorRole,
      event.action,
      event.resourceType,
      event.resourceId,
      ids.length,
      resourceIdsHash(ids),
      event.outcome,
      event.requestId,
      event.clientRequestId,
    ]
      .map((v) => JSON.stringify(v))
      .join(',') +
    '|' +
    jsonbText(event.details)
  );
}

/**
 * Scheme 2: hash_n = SHA-256(`v2|${hash_(n-1)}|${seq}|${at}|${content}`), `at` in ISO 8601 UTC to the
 * millisecond. audit_append_v2() computes it under the chain lock.
 */
export function linkHashV2(prevHash: string, seq: number, at: string, content: string): string {
  return sha256Hex(`v2|${prevHash}|${seq}|${at}|${content}`);
}

/** The independent chains of scheme 3 (migration 1797010000000): a transaction appends to one of them. */
export const STRIPES = 16;

/** Where an event of scheme 3 sits: its stripe, its place in it (gapless from 1) and the global seq. */
export interface StripePosition {
  stripe: number;
  stripeSeq: number;
  seq: number;
}

/**
 * Scheme 3: hash = SHA-256(`v3|${prev}|${stripe}|${stripeSeq}|${seq}|${at}|${content}`), prev being the
 * hash of the previous event of the same stripe (the legacy chain's head for a stripe's first event) and
 * content that of scheme 2 (contentV2). audit_append_v2() computes it under the stripe's lock.
 */
export function linkHashV3(prevHash: string, position: StripePosition, at: string, content: string): string {
  return sha256Hex(
    `v3|${prevHash}|${position.stripe}|${position.stripeSeq}|${position.seq}|${at}|${content}`,
  );
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
 * Checks one scheme-1 event against the chain so far. Seqs must be gapless from 1 (a DELETE leaves a gap),
 * each event must link to its predecessor's hash (an insertion or reordering breaks the link), and its
 * hash must match its content (an UPDATE changes the content, and only the key holder can hash new content).
 * Returns the first bad seq, or null.
 */
export function checkLink(state: ChainState, key: Buffer, event: StoredChainedEvent): number | null {
  if (event.seq !== state.nextSeq) return state.nextSeq;
  if (event.prevHash !== state.prevHash || eventHash(key, event) !== event.hash) return event.seq;
  state.nextSeq += 1;
  state.prevHash = event.hash;
  return null;
}
