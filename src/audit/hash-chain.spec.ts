import fc from 'fast-check';
import { canonicalJson } from '../common/canonical-json.js';
import { generateKeyBase64, parsePublicKeysPem, parseSigningKeys } from '../crypto/index.js';
import { headsRoot, signCheckpoint, type StripeHead } from './checkpoint.js';
import { verifyExport } from './export-verifier.js';
import {
  contentV2,
  chainStart,
  checkLink,
  eventHash,
  GENESIS_HASH,
  linkHashV2,
  linkHashV3,
  STRIPES,
  type StoredChainedEvent,
} from './hash-chain.js';

const KEY = Buffer.alloc(32, 9);
const ring = parseSigningKeys(`s1:${generateKeyBase64()}`, 's1', 'test');
const signer = ring.keys.get('s1')!;
const publicKeys = parsePublicKeysPem(signer.publicKeyPem);
const otherKeys = parsePublicKeysPem(
  parseSigningKeys(`x:${generateKeyBase64()}`, 'x', 'test').keys.get('x')!.publicKeyPem,
);

function chainV1(n: number): StoredChainedEvent[] {
  const events: StoredChainedEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const content = {
      seq,
      at: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
      actorId: null,
      actorRole: 'auditor',
      action: 'audit.read',
      resourceType: null,
      resourceId: null,
      outcome: 'allowed',
      requestId: `r${seq}`,
      details: { count: seq, filters: ['action'] },
      prevHash,
    };
    const hash = eventHash(KEY, content);
    events.push({ ...content, hash });
    prevHash = hash;
  }
  return events;
}

type Exported = Record<string, unknown> & { seq: number; prevHash: string; hash: string; at: string };

/** An export of `n` scheme-2 events (as the service writes them) with checkpoints at `checkpointSeqs`. */
function exportOf(n: number, checkpointSeqs: number[] = [n]): { events: Exported[]; checkpoints: string[] } {
  const events: Exported[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields = {
      actorId: '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a01',
      actorRole: 'caseworker',
      action: seq % 2 === 0 ? 'case.list' : 'case.read',
      resourceType: 'case',
      resourceId: seq % 2 === 0 ? null : `c${seq}`,
      resourceIds: seq % 2 === 0 ? [`c${seq - 1}`, `c${seq + 1}`] : [],
      outcome: 'allowed',
      requestId: `r${seq}`,
      clientRequestId: null,
      details: { count: seq, filters: ['givenName'] },
    };
    const at = new Date(1_700_000_000_000 + seq * 1000).toISOString();
    const hash = linkHashV2(prevHash, seq, at, contentV2(fields));
    events.push({ seq, at, hashVersion: 2, ...fields, prevHash, hash });
    prevHash = hash;
  }
  const checkpoints = checkpointSeqs.map((seq) =>
    JSON.stringify({
      type: 'checkpoint',
      ...signCheckpoint(signer, { seq, headHash: events[seq - 1].hash }, new Date(1_800_000_000_000)),
    }),
  );
  return { events, checkpoints };
}

const lines = (events: object[], checkpoints: string[]) => [
  JSON.stringify({ type: 'export', from: null, to: null }),
  ...events.map((e) => JSON.stringify(e)),
  ...checkpoints,
];

function firstBadV1(events: StoredChainedEvent[]): number | null {
  const state = chainStart();
  for (const event of events) {
    const bad = checkLink(state, KEY, event);
    if (bad !== null) return bad;
  }
  return null;
}

describe('hash chain', () => {
  it('canonical JSON does not depend on key order (jsonb reorders keys)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean())), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      }),
    );
  });

  it('scheme 1 (old events) still verifies with the chain key, and any change is reported at its seq', () => {
    const events = chainV1(20);
    expect(firstBadV1(events)).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19 }), (index) => {
        const tampered = events.map((e) => ({ ...e }));
        tampered[index].outcome = 'denied';
        expect(firstBadV1(tampered)).toBe(index + 1);
      }),
    );
  });

  it('an intact export verifies with only the public key, up to its last checkpoint', () => {
    const { events, checkpoints } = exportOf(30, [10, 30]);
    const result = verifyExport(lines(events, checkpoints), publicKeys);
    expect(result).toMatchObject({ ok: true, events: 30, lastSeq: 30, coveredThroughSeq: 30 });
    expect(result.headHash).toBe(events[29].hash);
  });

  it('any change to any field of any event (resource ids included) is reported at that event', () => {
    const { events, checkpoints } = exportOf(20);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 19 }),
        fc.constantFrom(
          'at',
          'actorId',
          'action',
          'outcome',
          'requestId',
          'details',
          'resourceId',
          'resourceIds',
        ),
        (index, field) => {
          const tampered = events.map((e) => ({ ...e }));
          (tampered[index] as Record<string, unknown>)[field] =
            field === 'details' ? { count: -1 } : field === 'resourceIds' ? ['c999'] : 'tampered';
          expect(verifyExport(lines(tampered, checkpoints), publicKeys)).toMatchObject({
            ok: false,
            firstBadSeq: index + 1,
          });
        },
      ),
    );
  });

  it('a deleted event is reported at its seq; deleting the newest ones is caught by the checkpoint', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19 }), (index) => {
        const { events, checkpoints } = exportOf(20);
        const deleted = [...events.slice(0, index), ...events.slice(index + 1)];
        expect(verifyExport(lines(deleted, checkpoints), publicKeys)).toMatchObject({
          ok: false,
          firstBadSeq: index + 1,
        });
      }),
    );
    const { events, checkpoints } = exportOf(20);
    expect(verifyExport(lines(events.slice(0, 17), checkpoints), publicKeys)).toMatchObject({
      ok: false,
      firstBadSeq: 18,
      problem: 'truncated',
    });
  });

  it('two swapped events are reported at the first of them ', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 18 }), fc.integer({ min: 1, max: 5 }), (i, d) => {
        const j = Math.min(19, i + d);
        const { events, checkpoints } = exportOf(20);
        [events[i], events[j]] = [events[j], events[i]];
        expect(verifyExport(lines(events, checkpoints), publicKeys)).toMatchObject({
          ok: false,
          firstBadSeq: i + 1,
        });
      }),
    );
  });

  it('a chain rewritten after a checkpoint (every later hash recomputed) disagrees with the next checkpoint', () => {
    const { events, checkpoints } = exportOf(20, [7, 20]);
    const forged = events.map((e) => ({ ...e }));
    forged[7].outcome = 'denied'; // seq 8, right after the checkpoint at 7
    for (let i = 7; i < forged.length; i++) {
      const { seq, at, hashVersion: _v, prevHash: _p, hash: _h, ...fields } = forged[i];
      forged[i].prevHash = forged[i - 1].hash;
      forged[i].hash = linkHashV2(forged[i].prevHash, seq, at, contentV2(fields as never));
    }
    const result = verifyExport(lines(forged, checkpoints), publicKeys);
    expect(result).toMatchObject({ ok: false, firstBadSeq: 8, problem: 'checkpoint', coveredThroughSeq: 7 });
  });

  it('a checkpoint signed by another key, or with a changed field, is refused', () => {
    const { events, checkpoints } = exportOf(5);
    expect(verifyExport(lines(events, checkpoints), otherKeys)).toMatchObject({ ok: false });
    const altered = checkpoints.map((line) => line.replace(/"seq":5/, '"seq":4'));
    expect(verifyExport(lines(events, altered), publicKeys)).toMatchObject({
      ok: false,
      checkpoints: { valid: 0, invalid: 1 },
    });
  });

  it('an export without any checkpoint proves nothing and does not verify', () => {
    const { events } = exportOf(5);
    expect(verifyExport(lines(events, []), publicKeys)).toMatchObject({
      ok: false,
      problem: 'no_checkpoint',
    });
  });
});

/**
 * An export of scheme-3 events: `legacy` scheme-2 events first (the legacy chain), then `stripes[i]` is the
 * stripe of the i-th striped event; a vector checkpoint after each event index in `checkpointsAfter`.
 */
function stripedExport(
  legacy: number,
  stripes: number[],
  checkpointsAfter: number[] = [stripes.length - 1],
): { events: Exported[]; checkpoints: string[]; heads: StripeHead[][] } {
  const { events } = exportOf(legacy, []);
  const legacyHead = { seq: legacy, hash: legacy === 0 ? GENESIS_HASH : events[legacy - 1].hash };
  const heads: StripeHead[] = Array.from({ length: STRIPES }, (_, stripe) => ({
    stripe,
    stripeSeq: 0,
    ...legacyHead,
  }));
  const snapshots: StripeHead[][] = [];
  stripes.forEach((stripe, i) => {
    const seq = legacy + i + 1;
    const fields = {
      actorId: null,
      actorRole: 'auditor',
      action: i % 3 === 0 ? 'case.list' : 'audit.read',
      resourceType: null,
      resourceId: null,
      resourceIds: i % 3 === 0 ? [`c${i}`] : [],
      outcome: 'allowed',
      requestId: `s${seq}`,
      clientRequestId: i % 2 === 0 ? null : `client-${i}`,
      details: { count: i, order: 'asc' },
    };
    const at = new Date(1_750_000_000_000 + seq * 1000).toISOString();
    const position = { stripe, stripeSeq: heads[stripe].stripeSeq + 1, seq };
    const prevHash = heads[stripe].hash;
    const hash = linkHashV3(prevHash, position, at, contentV2(fields));
    events.push({ at, hashVersion: 3, ...position, ...fields, prevHash, hash });
    heads[stripe] = { ...position, hash };
    if (checkpointsAfter.includes(i)) snapshots.push(heads.map((h) => ({ ...h })));
  });
  const checkpoints = snapshots.map((vector) =>
    JSON.stringify({
      type: 'checkpoint',
      ...signCheckpoint(signer, { heads: vector }, new Date(1_800_000_000_000)),
    }),
  );
  return { events, checkpoints, heads: snapshots };
}

/** Recomputes every striped hash from event `from` on, stripe by stripe, as an attacker who knows the scheme. */
function rehashStriped(events: Exported[], from: number): void {
  const last = new Map<number, string>();
  events.forEach((event, i) => {
    if (event.hashVersion !== 3) return;
    const stripe = event.stripe as number;
    if (i >= from) {
      const { seq, at, hashVersion: _v, prevHash: _p, hash: _h, stripe: _s, stripeSeq, ...fields } = event;
      if (last.has(stripe)) event.prevHash = last.get(stripe)!;
      event.hash = linkHashV3(
        event.prevHash,
        { stripe, stripeSeq: stripeSeq as number, seq },
        at,
        contentV2(fields as never),
      );
    }
    last.set(stripe, event.hash);
  });
}

const stripeList = fc.array(fc.integer({ min: 0, max: STRIPES - 1 }), { minLength: 12, maxLength: 40 });

describe('hash chain, scheme 3 (16 stripes)', () => {
  it('an intact striped export verifies; its head hash is the root of every stripe head, as signed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), stripeList, (legacy, stripes) => {
        const { events, checkpoints, heads } = stripedExport(legacy, stripes);
        const result = verifyExport(lines(events, checkpoints), publicKeys);
        expect(result).toMatchObject({ ok: true, events: legacy + stripes.length });
        expect(result.coveredThroughSeq).toBe(legacy + stripes.length);
        expect(result.headHash).toBe(headsRoot(heads[0]));
      }),
    );
  });

  it('any change to any field of any striped event (stripe and stripeSeq included) is reported at that event', () => {
    fc.assert(
      fc.property(
        stripeList,
        fc.nat(),
        fc.constantFrom('at', 'actorRole', 'outcome', 'details', 'resourceIds', 'stripe', 'stripeSeq', 'seq'),
        (stripes, pick, field) => {
          const { events, checkpoints } = stripedExport(2, stripes);
          const index = 2 + (pick % stripes.length);
          const tampered = events.map((e) => ({ ...e }));
          const event = tampered[index] as Record<string, unknown>;
          if (field === 'stripe') event.stripe = ((event.stripe as number) + 1) % STRIPES;
          else if (field === 'stripeSeq' || field === 'seq') event[field] = (event[field] as number) + 0.5;
          else event[field] = field === 'details' ? { count: -1 } : field === 'resourceIds' ? ['c999'] : 'x';
          const result = verifyExport(lines(tampered, checkpoints), publicKeys);
          expect(result).toMatchObject({ ok: false, firstBadSeq: index + 1 });
        },
      ),
    );
  });

  it('a deleted striped event is reported at its seq, whichever stripe it was in', () => {
    fc.assert(
      fc.property(stripeList, fc.nat(), (stripes, pick) => {
        const { events, checkpoints } = stripedExport(1, stripes);
        const index = 1 + (pick % stripes.length);
        const deleted = [...events.slice(0, index), ...events.slice(index + 1)];
        expect(verifyExport(lines(deleted, checkpoints), publicKeys)).toMatchObject({
          ok: false,
          firstBadSeq: index + 1,
        });
      }),
    );
  });

  it("truncating one stripe's newest events is caught by the signed vector of heads, at the first removed", () => {
    fc.assert(
      fc.property(stripeList, fc.nat(), fc.integer({ min: 1, max: 3 }), (stripes, pick, count) => {
        const { events, checkpoints } = stripedExport(0, stripes);
        const stripe = stripes[pick % stripes.length];
        const ofStripe = events.filter((e) => e.stripe === stripe);
        const removed = ofStripe.slice(-Math.min(count, ofStripe.length));
        const kept = events.filter((e) => !removed.includes(e));
        const result = verifyExport(lines(kept, checkpoints), publicKeys);
        expect(result).toMatchObject({ ok: false, firstBadSeq: removed[0].seq });
      }),
    );
  });

  it("a stripe's newest events removed and their places taken by later appends: reported at the first removed", () => {
    fc.assert(
      fc.property(
        stripeList,
        fc.nat(),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        (stripes, pick, count, refills) => {
          const stripe = stripes[pick % stripes.length];
          // The checkpoint vouches for the original events; `refills` events of the stripe come after it.
          const { events, checkpoints } = stripedExport(
            0,
            [...stripes, ...Array<number>(refills).fill(stripe)],
            [stripes.length - 1],
          );
          const originals = events.slice(0, stripes.length).filter((e) => e.stripe === stripe);
          const removed = originals.slice(-Math.min(count, originals.length));
          const kept = events.filter((e) => !removed.includes(e));
          // The later appends take the removed places: renumbered after the kept ones and re-linked.
          const keptOfStripe = kept.filter(
            (e, i) => e.stripe === stripe && i < stripes.length - removed.length,
          );
          const firstRefill = kept.length - refills;
          kept.slice(firstRefill).forEach((event, i) => {
            event.stripeSeq = keptOfStripe.length + 1 + i;
            // A stripe left empty starts again at the legacy head (none here: the genesis hash).
            if (keptOfStripe.length === 0 && i === 0) event.prevHash = GENESIS_HASH;
          });
          rehashStriped(kept, firstRefill);
          const result = verifyExport(lines(kept, checkpoints), publicKeys);
          expect(result.ok).toBe(false);
          // Fewer appends than removed events: the signed head is past the tail, a truncation at the first
          // removed; as many or more: the place of the signed head holds another event, at or before it.
          if (refills < removed.length) {
            expect(result).toMatchObject({ firstBadSeq: removed[0].seq, problem: 'truncated' });
          } else {
            expect(result.firstBadSeq).toBeLessThanOrEqual(removed[0].seq);
          }
        },
      ),
    );
  });

  it('two events swapped across stripes (lines or seq values) are reported at the first of them', () => {
    fc.assert(
      fc.property(stripeList, fc.nat(), fc.nat(), fc.boolean(), (stripes, a, b, values) => {
        const { events, checkpoints } = stripedExport(0, stripes);
        const [i, j] = [a % stripes.length, b % stripes.length].sort((x, y) => x - y);
        fc.pre(i !== j);
        const swapped = events.map((e) => ({ ...e }));
        if (values) [swapped[i].seq, swapped[j].seq] = [swapped[j].seq, swapped[i].seq];
        [swapped[i], swapped[j]] = [swapped[j], swapped[i]];
        if (values) swapped.sort((x, y) => x.seq - y.seq); // renumbered in place: the file is in seq order
        expect(verifyExport(lines(swapped, checkpoints), publicKeys)).toMatchObject({
          ok: false,
          firstBadSeq: i + 1,
        });
      }),
    );
  });

  it('a stripe rewritten after a checkpoint (every later hash recomputed) disagrees with the next one', () => {
    fc.assert(
      fc.property(stripeList, fc.nat(), (stripes, pick) => {
        const cut = Math.floor(stripes.length / 2);
        const { events, checkpoints } = stripedExport(0, stripes, [cut, stripes.length - 1]);
        const index = cut + 1 + (pick % (stripes.length - cut - 1));
        const forged = events.map((e) => ({ ...e }));
        forged[index].outcome = 'denied';
        rehashStriped(forged, index);
        const result = verifyExport(lines(forged, checkpoints), publicKeys);
        expect(result).toMatchObject({ ok: false, problem: 'checkpoint', coveredThroughSeq: cut + 1 });
        // Reported at the stripe's first event after the newest checkpoint that still matched it.
        const after = events.find((e, i) => i > cut && e.stripe === forged[index].stripe)!;
        expect(result.firstBadSeq).toBe(after.seq);
      }),
    );
  });

  it("the legacy chain is every stripe's start: removing its newest events is detected", () => {
    const { events, checkpoints } = stripedExport(5, [0, 3, 3, 7, 0, 1]);
    const kept = events.filter((e) => e.seq !== 5);
    expect(verifyExport(lines(kept, checkpoints), publicKeys)).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('a vector checkpoint with a changed head, or heads not matching its root, is refused', () => {
    const { events, checkpoints } = stripedExport(0, [1, 2, 1, 5]);
    const parsed = JSON.parse(checkpoints[0]) as { heads: StripeHead[] };
    parsed.heads[1].stripeSeq += 1;
    expect(verifyExport(lines(events, [JSON.stringify(parsed)]), publicKeys)).toMatchObject({
      ok: false,
      checkpoints: { valid: 0, invalid: 1 },
    });
  });
});
