import type { VerifyingKey } from '../crypto/index.js';
import { headsRoot, isSignedBy, type Checkpoint, type StripeHead } from './checkpoint.js';
import { contentV2, eventHash, GENESIS_HASH, linkHashV2, linkHashV3, STRIPES } from './hash-chain.js';

/**
 * The standalone verifier of an audit export (`GET /v1/audit/events/export`, JSON Lines): no database, no
 * service, only the published public key. It recomputes every scheme-2 and scheme-3 event's hash from the
 * event itself, checks continuity and every link (the legacy chain by seq; each stripe of scheme 3 by its
 * stripeSeq, from the legacy head; seqs increasing overall), checks every checkpoint's Ed25519 signature,
 * and holds the chain against the checkpoints (a chain rewritten after a checkpoint disagrees with it; a
 * checkpoint head beyond a stripe's last event means that stripe's newest events were removed).
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
  /** Scheme 3: each stripe's last event (stripeSeq 0: none in the export). */
  heads?: StripeHead[];
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
  stripe?: number | null;
  stripeSeq?: number | null;
}

interface StripeState {
  /** The last event checked: stripeSeq, seq, hash (stripeSeq of the first event - 1 before any). */
  stripeSeq: number;
  seq: number;
  hash: string;
  /** The first exported event of the stripe. */
  firstStripeSeq: number;
  firstPrevHash: string;
  broken: boolean;
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/** Recomputes the hash an exported event should have (scheme 1 needs the chain key). */
function recompute(event: ExportedEvent, chainKey?: Buffer): string | null {
  if (event.hashVersion === 2 || event.hashVersion === 3) {
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
    if (event.hashVersion === 2) return linkHashV2(event.prevHash, event.seq, event.at, content);
    const position = { stripe: event.stripe!, stripeSeq: event.stripeSeq!, seq: event.seq };
    return linkHashV3(event.prevHash, position, event.at, content);
  }
  return chainKey === undefined ? null : eventHash(chainKey, event);
}

export class ExportVerifier {
  private line = 0;
  private readonly checkpointList: Checkpoint[] = [];
  private invalidCheckpoints = 0;
  /** Legacy chain: hash by seq. */
  private readonly hashes = new Map<number, string>();
  /** Scheme 3: hash and seq by `${stripe}:${stripeSeq}`. */
  private readonly stripeHashes = new Map<string, { hash: string; seq: number }>();
  private readonly stripes = new Map<number, StripeState>();
  /** Every exported seq, ascending (where events are missing: the holes between them). */
  private readonly seqs: number[] = [];
  private events = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;
  private nextSeq: number | null = null;
  private prevHash: string | null = null;
  private seenV2 = false;
  private seenV3 = false;
  private legacyBroken = false;
  private schemeOneUnchecked = 0;
  private problems: { seq: number; problem: Problem }[] = [];
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
      this.fail(this.nextExpected(), 'format');
      return;
    }
    if (value === null || typeof value !== 'object') return this.fail(this.nextExpected(), 'format');
    const record = value as Record<string, unknown>;
    if (record.type === 'checkpoint') return this.addCheckpoint(record as unknown as Checkpoint);
    if (record.type === 'export') {
      this.fromGenesis = record.from === null || record.from === undefined;
      return;
    }
    this.addEvent(record as unknown as ExportedEvent);
  }

  private nextExpected(): number {
    return (this.lastSeq ?? 0) + 1;
  }

  private fail(seq: number, problem: Problem): void {
    this.problems.push({ seq, problem });
  }

  /** The first seq after `seq` that no exported event has (where a missing event was), at most `before`. */
  private holeAfter(seq: number, before = Number.MAX_SAFE_INTEGER): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid] <= seq) lo = mid + 1;
      else hi = mid;
    }
    let expected = seq + 1;
    for (let i = lo; i < this.seqs.length && this.seqs[i] === expected; i++) expected += 1;
    return Math.min(expected, before);
  }

  private addCheckpoint(checkpoint: Checkpoint): void {
    if (isSignedBy(checkpoint, this.keys)) this.checkpointList.push(checkpoint);
    else this.invalidCheckpoints += 1;
  }

  private addEvent(event: ExportedEvent): void {
    if (
      !Number.isSafeInteger(event.seq) ||
      typeof event.prevHash !== 'string' ||
      typeof event.hash !== 'string'
    ) {
      return this.fail(this.nextExpected(), 'format');
    }
    if (this.lastSeq !== null && event.seq <= this.lastSeq) {
      // Out of order (or repeated): an event moved; nothing about it can be trusted.
      return this.fail(event.seq, 'gap');
    }
    this.firstSeq ??= event.seq;
    this.lastSeq = event.seq;
    this.seqs.push(event.seq);
    this.events += 1;
    if (event.hashVersion === 3) return this.addStriped(event);
    if (this.legacyBroken) return;
    const legacyFail = (seq: number, problem: Problem) => {
      this.legacyBroken = true;
      this.fail(seq, problem);
    };
    if (this.seenV3) return legacyFail(event.seq, 'scheme');
    if (this.nextSeq === null) {
      if (this.fromGenesis && event.seq !== 1) return legacyFail(1, 'gap');
      this.nextSeq = event.seq;
      // A full export starts at seq 1, from the genesis; a partial one from its first event's link.
      this.prevHash = event.seq === 1 ? GENESIS_HASH : event.prevHash;
    }
    if (event.seq !== this.nextSeq) return legacyFail(this.nextSeq, 'gap');
    if (event.prevHash !== this.prevHash) return legacyFail(event.seq, 'link');
    if (event.hashVersion === 2) this.seenV2 = true;
    else if (this.seenV2) return legacyFail(event.seq, 'scheme');
    const hash = recompute(event, this.chainKey);
    if (hash === null) this.schemeOneUnchecked += 1;
    else if (hash !== event.hash) return legacyFail(event.seq, 'hash');
    this.hashes.set(event.seq, event.hash);
    this.prevHash = event.hash;
    this.nextSeq = event.seq + 1;
  }

  /** The legacy chain's head as far as exported, where every stripe starts (the genesis without one). */
  private legacyHead(): { seq: number; hash: string } {
    return this.nextSeq === null
      ? { seq: 0, hash: GENESIS_HASH }
      : { seq: this.nextSeq - 1, hash: this.prevHash ?? GENESIS_HASH };
  }

  private addStriped(event: ExportedEvent): void {
    const { stripe, stripeSeq } = event;
    if (!Number.isSafeInteger(stripe) || !Number.isSafeInteger(stripeSeq) || stripeSeq! < 1 || stripe! < 0) {
      return this.fail(event.seq, 'format');
    }
    this.seenV3 = true;
    let state = this.stripes.get(stripe!);
    if (state === undefined) {
      // A full export holds every stripe from its first event, linked to the legacy head.
      const start = this.fromGenesis
        ? { stripeSeq: 0, ...this.legacyHead() }
        : { stripeSeq: stripeSeq! - 1, seq: 0, hash: event.prevHash };
      state = { ...start, firstStripeSeq: stripeSeq!, firstPrevHash: event.prevHash, broken: false };
      this.stripes.set(stripe!, state);
    }
    if (state.broken) return;
    const fail = (seq: number, problem: Problem) => {
      state.broken = true;
      this.fail(seq, problem);
    };
    if (stripeSeq !== state.stripeSeq + 1) return fail(this.holeAfter(state.seq, event.seq), 'gap');
    if (event.prevHash !== state.hash) {
      // A stripe's first event links to the legacy head: a mismatch there is the legacy tail's.
      return fail(stripeSeq === 1 ? this.holeAfter(state.seq, event.seq) : event.seq, 'link');
    }
    if (event.seq <= state.seq) return fail(event.seq, 'gap');
    if (recompute(event) !== event.hash) return fail(event.seq, 'hash');
    this.stripeHashes.set(`${stripe}:${stripeSeq}`, { hash: event.hash, seq: event.seq });
    state.stripeSeq = stripeSeq!;
    state.seq = event.seq;
    state.hash = event.hash;
  }

  finish(): ExportVerification {
    const lastSeq = this.lastSeq;
    let coveredThroughSeq: number | null = null;
    const checkpointBad: { seq: number; problem: Problem }[] = [];
    const sorted = [...this.checkpointList].sort((a, b) => a.seq - b.seq);
    const anchored = new Map<number, number>(); // stripe -> newest stripeSeq a checkpoint vouched for
    let newestHeads: readonly StripeHead[] | undefined;
    for (const checkpoint of sorted) {
      if (this.firstSeq === null || checkpoint.seq < this.firstSeq) continue;
      if (checkpoint.heads === undefined) {
        const hash = this.hashes.get(checkpoint.seq);
        if (hash === undefined) {
          // Beyond the last intact legacy event: removed newest events (or a break already reported).
          if (!this.legacyBroken && !this.seenV3 && lastSeq !== null && checkpoint.seq > lastSeq) {
            checkpointBad.push({ seq: lastSeq + 1, problem: 'truncated' });
          }
          continue;
        }
        if (hash !== checkpoint.headHash) {
          checkpointBad.push({ seq: (coveredThroughSeq ?? this.firstSeq - 1) + 1, problem: 'checkpoint' });
          break;
        }
        coveredThroughSeq = checkpoint.seq;
        continue;
      }
      newestHeads = checkpoint.heads;
      const bad = this.checkHeads(checkpoint.heads, anchored);
      if (bad.length > 0) {
        checkpointBad.push(...bad);
        break;
      }
      coveredThroughSeq = checkpoint.seq;
    }
    const all = [...this.problems, ...checkpointBad];
    let bad = all.length === 0 ? null : all.reduce((a, b) => (b.seq < a.seq ? b : a));
    if (bad === null && this.invalidCheckpoints > 0) bad = { seq: lastSeq ?? 1, problem: 'signature' };
    if (bad === null && coveredThroughSeq === null)
      bad = { seq: this.firstSeq ?? 1, problem: 'no_checkpoint' };
    const heads = this.seenV3 ? this.finalHeads(newestHeads?.length ?? STRIPES) : undefined;
    return {
      ok: bad === null,
      events: this.events,
      firstSeq: this.firstSeq,
      lastSeq,
      headHash: heads === undefined ? this.prevHash : headsRoot(heads),
      ...(bad === null ? {} : { firstBadSeq: bad.seq, problem: bad.problem }),
      checkpoints: { valid: this.checkpointList.length, invalid: this.invalidCheckpoints },
      coveredThroughSeq,
      schemeOneUnchecked: this.schemeOneUnchecked,
      ...(heads === undefined ? {} : { heads }),
    };
  }

  /** Holds every head of a checkpoint against the stripes exported; the problems found. */
  private checkHeads(
    heads: readonly StripeHead[],
    anchored: Map<number, number>,
  ): { seq: number; problem: Problem }[] {
    const bad: { seq: number; problem: Problem }[] = [];
    const legacy = this.legacyHead();
    for (const head of heads) {
      const state = this.stripes.get(head.stripe);
      if (head.stripeSeq === 0) {
        // No event in the stripe yet: it starts at the legacy head, which a full export holds.
        if (this.fromGenesis && !this.legacyBroken && head.hash !== legacy.hash) {
          bad.push({ seq: this.holeAfter(legacy.seq), problem: 'checkpoint' });
        }
        continue;
      }
      if (state === undefined) {
        // A stripe the export does not hold: fine when its head is older than the export.
        if (this.fromGenesis || head.seq >= (this.firstSeq ?? 0)) {
          bad.push({
            seq: this.holeAfter(this.fromGenesis ? 0 : (this.firstSeq ?? 1) - 1),
            problem: 'truncated',
          });
        }
        continue;
      }
      if (head.stripeSeq < state.firstStripeSeq - 1) continue; // before the export
      if (head.stripeSeq === state.firstStripeSeq - 1) {
        if (head.hash !== state.firstPrevHash) {
          bad.push({
            seq: this.stripeHashes.get(`${head.stripe}:${state.firstStripeSeq}`)?.seq ?? head.seq,
            problem: 'checkpoint',
          });
        }
        continue;
      }
      if (head.stripeSeq > state.stripeSeq) {
        if (!state.broken) bad.push({ seq: this.removedBefore(head, state), problem: 'truncated' });
        continue;
      }
      const found = this.stripeHashes.get(`${head.stripe}:${head.stripeSeq}`);
      if (found !== undefined && found.hash === head.hash) {
        anchored.set(head.stripe, head.stripeSeq);
        continue;
      }
      const after = Math.max(anchored.get(head.stripe) ?? 0, state.firstStripeSeq - 1);
      const next = this.stripeHashes.get(`${head.stripe}:${after + 1}`);
      const vouched = this.stripeHashes.get(`${head.stripe}:${after}`);
      // The stripe's first event past the newest one a checkpoint vouched for, or, when seqs are missing from
      // the log between the two (the stripe's newest events removed and their places taken by later appends),
      // the first missing one: as for a truncation, the report is at or before the first removed event.
      const at = next?.seq ?? head.seq;
      const afterVouched = vouched === undefined ? at : this.holeAfter(vouched.seq, at);
      // A later append holds the signed head's place (its seq is past the head's): the events there were
      // removed, and the report is at or before the first of them, as for a truncation.
      const refilled = found !== undefined && found.seq > head.seq;
      bad.push({
        seq: refilled ? Math.min(afterVouched, this.removedBefore(head, state)) : afterVouched,
        problem: 'checkpoint',
      });
    }
    return bad;
  }

  /**
   * Where a stripe lost events, when a signed head is beyond its exported tail: the first seq missing from the
   * log after the stripe's newest exported event older than the head, at most the head's own (removed) seq.
   * Events appended since may have taken some of the removed places, with later seqs than the head's: the
   * report is not after them but at or before the first removed event (the stripe's tail, as before
   * 2026-12-02, was such a later append when one took a removed place; the stripes e2e test failed on it).
   */
  private removedBefore(head: StripeHead, state: StripeState): number {
    for (let stripeSeq = state.stripeSeq; stripeSeq >= state.firstStripeSeq; stripeSeq--) {
      const event = this.stripeHashes.get(`${head.stripe}:${stripeSeq}`);
      if (event !== undefined && event.seq < head.seq) return this.holeAfter(event.seq, head.seq);
    }
    // None older: the stripe's start (the legacy head in a full export; before the first event otherwise).
    return this.holeAfter(this.fromGenesis ? this.legacyHead().seq : (this.firstSeq ?? 1) - 1, head.seq);
  }

  private finalHeads(count: number): StripeHead[] {
    const legacy = this.legacyHead();
    return Array.from({ length: count }, (_, stripe) => {
      const state = this.stripes.get(stripe);
      return state === undefined || state.stripeSeq === 0
        ? { stripe, stripeSeq: 0, ...legacy }
        : { stripe, stripeSeq: state.stripeSeq, seq: state.seq, hash: state.hash };
    });
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
