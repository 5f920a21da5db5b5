import fc from 'fast-check';
import { canonicalJson } from '../common/canonical-json.js';
import { chainStart, checkLink, eventHash, GENESIS_HASH, type StoredChainedEvent } from './hash-chain.js';

const KEY = Buffer.alloc(32, 9);

function chain(n: number): StoredChainedEvent[] {
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

function firstBad(events: StoredChainedEvent[]): number | null {
  const state = chainStart(KEY);
  for (const event of events) {
    const bad = checkLink(state, event);
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

  it('an intact chain verifies', () => {
    expect(firstBad(chain(50))).toBeNull();
  });

  it('any change to any field of any event is reported at that event', () => {
    const events = chain(20);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 19 }),
        fc.constantFrom('at', 'actorRole', 'action', 'outcome', 'requestId', 'details', 'resourceId'),
        (index, field) => {
          const tampered = events.map((e) => ({ ...e }));
          const value = field === 'details' ? { count: -1 } : 'tampered';
          (tampered[index] as unknown as Record<string, unknown>)[field] = value;
          expect(firstBad(tampered)).toBe(index + 1);
        },
      ),
    );
  });

  it('a deleted event is reported at its seq', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19 }), (index) => {
        const events = chain(20);
        const deleted = [...events.slice(0, index), ...events.slice(index + 1)];
        expect(firstBad(deleted)).toBe(index === 19 ? null : index + 1);
      }),
    );
  });

  it('two swapped events are reported at the first of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 18 }), fc.integer({ min: 1, max: 5 }), (i, d) => {
        const j = Math.min(19, i + d);
        const events = chain(20);
        const swapped = events.map((e) => ({ ...e }));
        [swapped[i], swapped[j]] = [
          { ...events[j], seq: i + 1 },
          { ...events[i], seq: j + 1 },
        ];
        expect(firstBad(swapped)).toBe(i + 1);
      }),
    );
  });

  it('an event re-linked with a recomputed hash still breaks the next link', () => {
    const events = chain(10);
    const forged = { ...events[3], outcome: 'denied' };
    forged.hash = eventHash(KEY, forged);
    const tampered = [...events.slice(0, 3), forged, ...events.slice(4)];
    expect(firstBad(tampered)).toBe(5);
  });

  it('without the key, altered content cannot be re-hashed to verify (a rewritten chain is still detected)', () => {
    const events = chain(10);
    const wrongKey = Buffer.alloc(32, 1);
    // An attacker rewrites event 4 and every later link, hashing with any key but the real one.
    const forged = events.map((e) => ({ ...e }));
    forged[3].outcome = 'denied';
    for (let i = 3; i < forged.length; i++) {
      forged[i].prevHash = forged[i - 1].hash;
      forged[i].hash = eventHash(wrongKey, forged[i]);
    }
    expect(firstBad(forged)).toBe(4);
  });
});
