/**
 * Primary and complementary suppression over the relations of one answer (τ-Argus / sdcTable style).
 */
import { determinedUnknowns } from './exact-determination.js';
import { pinnedUnknowns, type Interval } from './interval-bounds.js';
import type { Member, RelationSystem } from './relations.js';
import type { SuppressionReason } from './types.js';
import { unknownRows } from './unknown-system.js';

export interface SuppressionPlan {
  /** Per member: why it is suppressed, or undefined if released. */
  reasons: (SuppressionReason | undefined)[];
  relationsChecked: number;
}

/** Cheapest-first order: smaller true count first, then the canonical key (independent of input order). */
function compareCost(a: Member, b: Member): number {
  if (a.count !== b.count) return a.count - b.count;
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
}

/**
 * Decides which members to suppress. Guarantees:
 * - every member with true count in 1..k-1 is suppressed as 'primary'; zeros are never suppressed;
 * - no relation ends with exactly one suppressed member (heuristic: suppress the smallest released
 *   member of such a relation);
 * - no suppressed member is uniquely determined by the relations given the released TRUE counts
 *   (exact row-space test), nor pinned by interval propagation over the public bounds
 *   (>= 1; primary <= k-1; complementary >= k). Whenever one is, the smallest released member of a
 *   relation containing it is suppressed too and the checks rerun;
 * - deterministic, and independent of the order of cells and margin entries in the input.
 */
export function planSuppression(system: RelationSystem, k: number): SuppressionPlan {
  const { members, relations } = system;
  const reasons: (SuppressionReason | undefined)[] = members.map((m) =>
    m.count >= 1 && m.count < k ? 'primary' : undefined,
  );
  const memberRelations: number[][] = members.map(() => []);
  relations.forEach((r, i) => {
    for (const m of [r.whole, ...r.parts]) memberRelations[m].push(i);
  });
  const byCost = relations.map((r) =>
    [r.whole, ...r.parts].sort((a, b) => compareCost(members[a], members[b])),
  );
  const cursor = new Int32Array(relations.length);
  const nSuppressed = relations.map(
    (r) => [r.whole, ...r.parts].filter((m) => reasons[m] !== undefined).length,
  );

  const cheapestReleased = (rel: number): number => {
    const list = byCost[rel];
    while (cursor[rel] < list.length && reasons[list[cursor[rel]]] !== undefined) cursor[rel]++;
    return cursor[rel] < list.length ? list[cursor[rel]] : -1;
  };
  const suppress = (m: number): void => {
    reasons[m] = 'complementary';
    for (const rel of memberRelations[m]) nSuppressed[rel]++;
  };
  const closeSingletons = (): void => {
    for (let changed = true; changed;) {
      changed = false;
      for (let rel = 0; rel < relations.length; rel++) {
        if (nSuppressed[rel] !== 1) continue;
        const m = cheapestReleased(rel);
        if (m >= 0) {
          suppress(m);
          changed = true;
        }
      }
    }
  };

  for (;;) {
    closeSingletons();
    const exposed = exposedMembers(system, reasons, k);
    if (exposed.length === 0) break;
    const partners = new Set<number>();
    for (const s of exposed) {
      const candidates = memberRelations[s].map(cheapestReleased).filter((m) => m >= 0);
      const best = cheapest(candidates, members);
      if (best >= 0) partners.add(best);
    }
    if (partners.size === 0) {
      // No relation of an exposed member has a released member left: widen to any relation that
      // touches a suppressed member. If none is left, every relation touching a suppressed member is
      // fully suppressed; the system is then homogeneous, so the rank test cannot determine a member
      // whose true count is >= 1, and only the (public) bounds remain — nothing more can be withheld.
      const touching = relations.map((_, rel) => (nSuppressed[rel] > 0 ? cheapestReleased(rel) : -1));
      const best = cheapest(
        touching.filter((m) => m >= 0),
        members,
      );
      if (best < 0) break;
      partners.add(best);
    }
    for (const m of partners) suppress(m);
  }
  return { reasons, relationsChecked: relations.length };
}

function cheapest(candidates: readonly number[], members: readonly Member[]): number {
  let best = -1;
  for (const m of candidates) if (best < 0 || compareCost(members[m], members[best]) < 0) best = m;
  return best;
}

/** Suppressed members that the exact test or the interval propagation pins down, in canonical order. */
function exposedMembers(
  system: RelationSystem,
  reasons: readonly (SuppressionReason | undefined)[],
  k: number,
): number[] {
  const suppressed = reasons.map((r) => r !== undefined);
  const rows = unknownRows(system, suppressed);
  if (rows.length === 0) return [];
  const initial = new Map<number, Interval>();
  reasons.forEach((r, m) => {
    if (r !== undefined) initial.set(m, r === 'primary' ? { lo: 1, hi: k - 1 } : { lo: k, hi: Infinity });
  });
  const exposed = new Set([...determinedUnknowns(rows), ...pinnedUnknowns(rows, initial)]);
  return [...exposed].sort((a, b) => compareCost(system.members[a], system.members[b]));
}
