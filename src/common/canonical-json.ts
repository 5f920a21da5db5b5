/**
 * JSON with object keys sorted at every depth and `undefined` members dropped, so that the same value
 * serializes the same way whatever its key order (jsonb reorders keys; clients send bodies in any order).
 * Used for audit event hashes and idempotency fingerprints, and for signed aggregate releases of tens of
 * thousands of cells. The output is byte for byte that of the plain definition (sorted entries joined,
 * canonical-json.spec.ts holds it against it); for speed, a copy with its keys inserted in sorted order is
 * serialized by JSON.stringify when that gives the same bytes, else the text is built member by member.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  const copy = sortedCopy(value);
  return copy === UNSORTABLE ? build(value) : (JSON.stringify(copy) as string);
}

const UNSORTABLE = Symbol('unsortable');

/**
 * A copy whose objects have their keys inserted in sorted order (and no undefined members), which
 * JSON.stringify then writes in that order; UNSORTABLE where it would not give the plain definition's bytes:
 * an integer-like key (objects list those first, in numeric order), a function or symbol (JSON.stringify
 * drops them, the definition does not), an array hole (the definition leaves it empty).
 */
function sortedCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? UNSORTABLE : value;
  }
  if (Array.isArray(value)) {
    const list = value as unknown[];
    const out = new Array<unknown>(list.length);
    for (let i = 0; i < list.length; i++) {
      if (!(i in list)) return UNSORTABLE;
      const member = sortedCopy(list[i]);
      if (member === UNSORTABLE) return UNSORTABLE;
      out[i] = member;
    }
    return out;
  }
  const object = value as Record<string, unknown>;
  // No prototype: `__proto__` is then a plain key, and no inherited toJSON applies.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(object).sort()) {
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57) return UNSORTABLE;
    const member = object[key];
    if (member === undefined) continue;
    const copy = sortedCopy(member);
    if (copy === UNSORTABLE) return UNSORTABLE;
    out[key] = copy;
  }
  return out;
}

/** The plain definition, member by member (default sort: UTF-16 code units, the order of `<`; keys are unique). */
function build(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    const list = value as unknown[];
    let out = '[';
    // As Array.prototype.join: a hole, or an element JSON.stringify leaves undefined (a function), is empty.
    for (let i = 0; i < list.length; i++) out += (i === 0 ? '' : ',') + ((i in list && build(list[i])) || '');
    return out + ']';
  }
  const object = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(object).sort()) {
    const member = object[key];
    if (member === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + build(member);
    first = false;
  }
  return out + '}';
}
