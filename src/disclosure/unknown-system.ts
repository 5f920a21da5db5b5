/**
 * The attacker's view of one answer: suppressed members are unknowns, released members are known
 * (conservatively, at their TRUE counts — the perturbation is not relied on here).
 */
import type { RelationSystem } from './relations.js';

/** Σ coef·x_member = constant over the suppressed members of one relation (coef = +1 part, -1 whole). */
export interface UnknownRow {
  terms: readonly (readonly [member: number, coef: 1 | -1])[];
  constant: number;
}

/**
 * Restricts every relation to its suppressed members, moving released members to the constant.
 * Guarantee: only relations with at least one suppressed member are returned, and the true counts
 * satisfy every returned row exactly.
 */
export function unknownRows(system: RelationSystem, suppressed: readonly boolean[]): UnknownRow[] {
  const rows: UnknownRow[] = [];
  for (const relation of system.relations) {
    const terms: [number, 1 | -1][] = [];
    let constant = 0;
    const add = (member: number, coef: 1 | -1): void => {
      if (suppressed[member]) terms.push([member, coef]);
      else constant -= coef * system.members[member].count;
    };
    add(relation.whole, -1);
    for (const part of relation.parts) add(part, 1);
    if (terms.length > 0) rows.push({ terms, constant });
  }
  return rows;
}
