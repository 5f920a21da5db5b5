/**
 * Complementary suppression: withhold released members until every withheld member is certified free
 * (certify.ts), preferring small counts; refuse the answer if no pattern is found.
 */
import { certify, exposed, lowerBound } from './certify.js';
import { DisclosureRefusal } from './errors.js';
import { coords, RELEASED, SUPPRESSED, type Model } from './grid.js';

/** A group of members that share a relation: its members (ids) are enumerated on demand. */
interface Group {
  key: string;
  ids: () => Iterable<number>;
}

/**
 * Sets m.status to the final decision. Guarantees: members below k stay UNLISTED, others are RELEASED or
 * SUPPRESSED (never the total); on return every withheld member is certified free (the final check is the
 * loop's exit condition, so nothing flagged is ever released); throws DisclosureRefusal('not-protectable')
 * if some withheld member stays exposed and nothing more can be suppressed, even when starting from the
 * total withheld, from everything but the total withheld, and from everything withheld (fallbacks for small
 * tables). Deterministic and independent of input order (ids follow the canonical domain order).
 */
export function planSuppression(m: Model, deadline = Infinity): void {
  const initial = m.status.slice();
  const attempts: ((status: Uint8Array) => void)[] = [
    () => undefined,
    (st) => (st[m.totalId] = st[m.totalId] === RELEASED ? SUPPRESSED : st[m.totalId]),
    (st) => st.forEach((x, id) => (st[id] = x === RELEASED && id !== m.totalId ? SUPPRESSED : x)),
    (st) => st.forEach((x, id) => (st[id] = x === RELEASED ? SUPPRESSED : x)),
  ];
  let refusal: unknown;
  for (const start of attempts) {
    m.status.set(initial);
    start(m.status);
    try {
      planFrom(m, deadline);
      return;
    } catch (error) {
      if (!(error instanceof DisclosureRefusal) || error.reason !== 'not-protectable') throw error;
      refusal = error;
    }
  }
  throw refusal;
}

/** The planner proper, from the statuses in m (fallbacks start with more suppressed). */
function planFrom(m: Model, deadline: number): void {
  // Members suppressed once and then released again are never chosen again (so the loop terminates).
  const banned = new Uint8Array(m.nMembers);
  // Witnesses stay valid while members only go from released to suppressed (bounds only widen), so members
  // certified free stay free; the cache is dropped when a suppressed member is released again.
  let known: Uint8Array | undefined;
  for (;;) {
    if (Date.now() > deadline)
      throw new DisclosureRefusal('time-budget', 'the protection of this answer exceeded its time budget');
    const free = certify(m, known);
    known = free;
    const open = exposed(m, free);
    if (open.length === 0) return;
    const partners = choosePartners(m, open, banned);
    if (partners.length > 0) {
      for (const p of partners) m.status[p] = SUPPRESSED;
      continue;
    }
    // Stalled. A suppressed member without a witness is released again: if it really is determined, listing it
    // tells nothing new; if not, the next round certifies everyone afresh without it.
    const stuck = open.filter((id) => m.status[id] === SUPPRESSED);
    if (stuck.length > 0) {
      for (const id of stuck) {
        m.status[id] = RELEASED;
        banned[id] = 1;
      }
      known = undefined;
      continue;
    }
    if (m.status[m.totalId] === RELEASED && !banned[m.totalId]) {
      m.status[m.totalId] = SUPPRESSED; // last resort (small tables): withhold the total too
      continue;
    }
    throw new DisclosureRefusal(
      'not-protectable',
      'no suppression pattern keeps every withheld count undetermined; narrow the query',
    );
  }
}

/** Cheapest first: counts with slack below (> k) before counts of exactly k, then smaller, then id. */
function better(m: Model, a: number, b: number): boolean {
  if (b < 0) return true;
  const sa = m.count[a] > m.k ? 0 : 1;
  const sb = m.count[b] > m.k ? 0 : 1;
  if (sa !== sb) return sa < sb;
  if (m.count[a] !== m.count[b]) return m.count[a] < m.count[b];
  return a < b;
}

function* range(from: number, to: number): Iterable<number> {
  for (let i = from; i < to; i++) yield i;
}

function* line(m: Model, g: number, d: number): Iterable<number> {
  const start = g - coords(m, g)[d] * m.strides[d];
  for (let v = 0; v < m.sizes[d]; v++) yield start + v * m.strides[d];
}

function* slice(m: Model, d: number, v: number): Iterable<number> {
  const stride = m.strides[d];
  const outer = stride * m.sizes[d];
  for (let base = v * stride; base < m.G; base += outer) for (let j = 0; j < stride; j++) yield base + j;
}

function groupsOfCell(m: Model, g: number): Group[] {
  const x = coords(m, g);
  const groups: Group[] = [];
  for (let d = 0; d < m.D; d++) {
    const start = g - x[d] * m.strides[d];
    groups.push({ key: `L${d}:${start}`, ids: () => line(m, g, d) });
  }
  if (m.D === 3)
    for (let d = 0; d < 3; d++) groups.push({ key: `S${d}:${x[d]}`, ids: () => slice(m, d, x[d]) });
  return groups;
}

function marginGroup(m: Model, d: number): Group {
  const off = m.marginOffset[d];
  return { key: `M${d}`, ids: () => range(off, off + m.sizes[d]) };
}

/**
 * Partners for one round. Step 1, for every exposed member at once: each relation of it in which nothing
 * withheld can give way gets its cheapest released member (one per relation). Only if step 1 finds nothing
 * anywhere, step 2 per exposed member: close a cycle (the cheapest released member in a line of a withheld
 * member of its lines), else its margins, else anything in its relations.
 */
function choosePartners(m: Model, open: readonly number[], banned: Uint8Array): number[] {
  const partners = new Set<number>();
  const used = new Set<string>();
  const slackOf = new Map<string, boolean>();
  /** Does the group hold a withheld member, other than `self`, that can decrease? */
  const hasSlack = (group: Group, self: number): boolean => {
    let count = 0;
    for (const id of group.ids())
      if (m.status[id] !== RELEASED && m.count[id] > lowerBound(m, id)) {
        if (id !== self) return true;
        count++;
      }
    return count > 1;
  };
  const cheapestReleased = (group: Group): number => {
    let best = -1;
    for (const id of group.ids())
      if (
        m.status[id] === RELEASED &&
        id !== m.totalId &&
        !banned[id] &&
        !partners.has(id) &&
        better(m, id, best)
      )
        best = id;
    return best;
  };
  const take = (group: Group): boolean => {
    if (used.has(group.key)) return false;
    used.add(group.key);
    const p = cheapestReleased(group);
    if (p < 0) return false;
    partners.add(p);
    return true;
  };
  const groupsOf = (id: number): { groups: Group[]; later: Group[] } => {
    if (id < m.G)
      return {
        groups: groupsOfCell(m, id),
        later: m.D >= 2 ? coords(m, id).map((_, d) => marginGroup(m, d)) : [],
      };
    const d = m.marginOffset.findLastIndex((off) => off <= id);
    const v = id - m.marginOffset[d];
    return { groups: [marginGroup(m, d), { key: `S${d}:${v}`, ids: () => slice(m, d, v) }], later: [] };
  };
  for (const id of open) {
    if (id === m.totalId) continue;
    for (const group of groupsOf(id).groups) {
      if (used.has(group.key)) continue;
      let slack = slackOf.get(group.key);
      if (slack === undefined) slackOf.set(group.key, (slack = hasSlack(group, id)));
      if (!slack) take(group);
    }
  }
  if (partners.size > 0) return [...partners];
  used.clear();
  for (const id of open) {
    if (id === m.totalId) continue;
    const { groups, later } = groupsOf(id);
    let best = -1;
    let bestGroup: Group | undefined;
    let seen = 0;
    for (const group of groups.filter((g) => g.key.startsWith('L')))
      for (const y of group.ids()) {
        if (y === id || y >= m.G || m.status[y] === RELEASED || ++seen > 16) continue;
        for (const g2 of groupsOfCell(m, y)) {
          if (used.has(g2.key) || !g2.key.startsWith('L')) continue;
          const p = cheapestReleased(g2);
          if (p >= 0 && better(m, p, best)) [best, bestGroup] = [p, g2];
        }
      }
    if (best >= 0 && bestGroup) {
      used.add(bestGroup.key);
      partners.add(best);
      continue;
    }
    for (const group of [...later, ...groups]) if (take(group)) break;
  }
  return [...partners];
}
