import type { VerifyingKey } from '../crypto/index.js';
import { isSignedBy, type Checkpoint } from './checkpoint.js';
import { contentV2, eventHash, GENESIS_HASH, linkHashV2 } from './hash-chain.js';

/**
 * The standalone verifier of an audit export (`GET /v1/audit/events/export`, JSON Lines): no database, no
 * service, only the published public key. It recomputes every scheme-2 event's hash from the event itself,
 * checks seq continuity and every link, checks every checkpoint's Ed25519 signature, and holds the chain
 * against the checkpoints (a chain rewritten after a checkpoint disagrees with it; a checkpoint beyond the
 * last event means the newest events were removed).
 */

export type Problem =
  'format' | 'gap' | 'link' | 'hash' | 'scheme' | 'checkpoint' | 'truncated' | 'signature' | 'no_checkpoint';

export interface ExportVerification {
  ok: boolean;
  events: number;
  firstSeq: number | null;
  lastSeq: number | null;
  headHash: string | null;
  /** The first seq that is not intact (or not vouched for by a matching checkpoint). */
  firstBadSeq?: number;
  problem?: Problem;
  checkpoints: { valid: number; invalid: number };
  /** The newest checkpoint that matched the chain: everything up to it is vouched for by a signature. */
  coveredThroughSeq: number | null;
  /** Scheme-1 events (before hash scheme 2): their links are checked, their content only with the chain key. */
  schemeOneUnchecked: number;
}

interface ExportedEvent {
  seq: number;
  at: string;
  hashVersion?: number;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  resourceIds?: string[];
  outcome: string;
  requestId: string | null;
  clientRequestId?: string | null;
  details: unknown;
  prevHash: string;
  hash: string;
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/** Recomputes the hash an exported event should have (scheme 1 needs the chain key). */
function recompute(event: ExportedEvent, chainKey?: Buffer): string | null {
  if (event.hashVersion === 2) {
    const content = contentV2({
      actorId: orNull(event.actorId),
      actorRole: orNull(event.actorRole),
      action: event.action,
      resourceType: orNull(event.resourceType),
      resourceId: orNull(event.resourceId),
      resourceIds: Array.isArray(event.resourceIds) ? event.resourceIds : [],
      outcome: event.outcome,
      requestId: orNull(event.requestId),
      clientRequestId: orNull(event.clientRequestId),
      details: event.details,
    });
    return linkHashV2(event.prevHash, event.seq, event.at, content);
  }
  return chainKey === undefined ? null : eventHash(chainKey, event);
}

export class ExportVerifier {
  private line = 0;
  private readonly checkpointList: Checkpoint[] = [];
  private invalidCheckpoints = 0;
  private readonly hashes = new Map<number, string>();
  private events = 0;
  private firstSeq: number | null = null;
  private nextSeq: number | null = null;
  private prevHash: string | null = null;
  private seenV2 = false;
  private schemeOneUnchecked = 0;
  private bad: { seq: number; problem: Problem } | null = null;
  /** A full export (header without `from`) must start at seq 1. */
  private fromGenesis = false;

  constructor(
    private readonly keys: readonly VerifyingKey[],
    private readonly chainKey?: Buffer,
  ) {}

  /** Feeds one line of the export. */
  add(text: string): void {
    this.line += 1;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.fail(this.nextSeq ?? 1, 'format');
      return;
    }
    if (value === null || typeof value !== 'object') return this.fail(this.nextSeq ?? 1, 'format');
    const record = value as Record<string, unknown>;
    if (record.type === 'checkpoint') return this.addCheckpoint(record as unknown as Checkpoint);
    if (record.type === 'export') {
      this.fromGenesis = record.from === null || record.from === undefined;
      return;
    }
    this.addEvent(record as unknown as ExportedEvent);
  }

  private fail(seq: number, problem: Problem): void {
    if (this.bad === null) this.bad = { seq, problem };
  }

  private addCheckpoint(checkpoint: Checkpoint): void {
    if (isSignedBy(checkpoint, this.keys)) this.checkpointList.push(checkpoint);
    else this.invalidCheckpoints += 1;
  }

  private addEvent(event: ExportedEvent): void {
    if (this.bad !== null) return; // nothing after the first break can be trusted
    if (
      !Number.isSafeInteger(event.seq) ||
      typeof event.prevHash !== 'string' ||
      typeof event.hash !== 'string'
    ) {
      return this.fail(this.nextSeq ?? 1, 'format');
    }
    if (this.nextSeq === null) {
      if (this.fromGenesis && event.seq !== 1) return this.fail(1, 'gap');
      this.firstSeq = event.seq;
      this.nextSeq = event.seq;
      // A full export starts at seq 1, from the genesis; a partial one from its first event's link.
      this.prevHash = event.seq === 1 ? GENESIS_HASH : event.prevHash;
    }
    if (event.seq !== this.nextSeq) return this.fail(this.nextSeq, 'gap');
    if (event.prevHash !== this.prevHash) return this.fail(event.seq, 'link');
    if (event.hashVersion === 2) this.seenV2 = true;
    else if (this.seenV2) return this.fail(event.seq, 'scheme');
    const hash = recompute(event, this.chainKey);
    if (hash === null) this.schemeOneUnchecked += 1;
    else if (hash !== event.hash) return this.fail(event.seq, 'hash');
    this.hashes.set(event.seq, event.hash);
    this.prevHash = event.hash;
    this.nextSeq = event.seq + 1;
    this.events += 1;
  }

  finish(): ExportVerification {
    const lastSeq = this.nextSeq === null ? null : this.nextSeq - 1;
    let coveredThroughSeq: number | null = null;
    let checkpointBad: { seq: number; problem: Problem } | null = null;
    const sorted = [...this.checkpointList].sort((a, b) => a.seq - b.seq);
    for (const checkpoint of sorted) {
      if (this.firstSeq === null || checkpoint.seq < this.firstSeq) continue;
      const hash = this.hashes.get(checkpoint.seq);
      if (hash === undefined) {
        // Beyond the last intact event: removed newest events (or a break already reported).
        if (lastSeq !== null && checkpoint.seq > lastSeq && this.bad === null) {
          checkpointBad ??= { seq: lastSeq + 1, problem: 'truncated' };
        }
        continue;
      }
      if (hash !== checkpoint.headHash) {
        checkpointBad ??= { seq: (coveredThroughSeq ?? this.firstSeq - 1) + 1, problem: 'checkpoint' };
        break;
      }
      coveredThroughSeq = checkpoint.seq;
    }
    let bad = this.bad;
    if (checkpointBad !== null && (bad === null || checkpointBad.seq < bad.seq)) bad = checkpointBad;
    if (bad === null && this.invalidCheckpoints > 0) bad = { seq: lastSeq ?? 1, problem: 'signature' };
    if (bad === null && coveredThroughSeq === null)
      bad = { seq: this.firstSeq ?? 1, problem: 'no_checkpoint' };
    return {
      ok: bad === null,
      events: this.events,
      firstSeq: this.firstSeq,
      lastSeq,
      headHash: this.prevHash,
      ...(bad === null ? {} : { firstBadSeq: bad.seq, problem: bad.problem }),
      checkpoints: { valid: this.checkpointList.length, invalid: this.invalidCheckpoints },
      coveredThroughSeq,
      schemeOneUnchecked: this.schemeOneUnchecked,
    };
  }
}

/** Verifies a whole export given as lines. */
export function verifyExport(
  lines: Iterable<string>,
  keys: readonly VerifyingKey[],
  chainKey?: Buffer,
): ExportVerification {
  const verifier = new ExportVerifier(keys, chainKey);
  for (const line of lines) verifier.add(line);
  return verifier.finish();
}
