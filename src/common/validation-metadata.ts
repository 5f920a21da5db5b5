import { getMetadataStorage, type MetadataStorage } from 'class-validator';

type Rules = ReturnType<MetadataStorage['getTargetValidationMetadatas']>;

const memoized = new WeakSet<MetadataStorage>();

/**
 * class-validator looks up a class's rules again on every validate() of every object, nested ones included:
 * it filters the class's rules and tests the class against every registered class for inherited ones
 * (`instanceof` each), then groups the result by property. The rules change only when a decorator (or a
 * schema) registers one, so here each lookup and its grouping are remembered until the next registration,
 * which forgets them all. The answers are the library's own: the same arrays for the same arguments.
 */
export function memoizeValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  if (memoized.has(storage)) return;
  memoized.add(storage);
  let lookups = new WeakMap<object, Map<number | string, Rules>>();
  let groupings = new WeakMap<Rules, Record<string, Rules>>();
  const forget = () => {
    lookups = new WeakMap();
    groupings = new WeakMap();
  };

  const addValidation = storage.addValidationMetadata.bind(storage);
  const addConstraint = storage.addConstraintMetadata.bind(storage);
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);

  storage.addValidationMetadata = (metadata) => {
    forget();
    addValidation(metadata);
  };
  storage.addConstraintMetadata = (metadata) => {
    forget();
    addConstraint(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    // An object without a prototype has no constructor: nothing to key on (and nothing to remember).
    if (typeof target !== 'function') return lookUp(target, schema, always, strictGroups, groups);
    // The pipe's and import's every call has neither schema nor groups: a number, no string built for it.
    const key =
      schema === undefined && groups === undefined
        ? (always ? 2 : 0) + (strictGroups ? 1 : 0)
        : JSON.stringify([schema ?? null, always, strictGroups, groups ?? null]);
    let byOptions = lookups.get(target);
    if (byOptions === undefined) {
      byOptions = new Map();
      lookups.set(target, byOptions);
    }
    let rules = byOptions.get(key);
    if (rules === undefined) {
      rules = lookUp(target, schema, always, strictGroups, groups);
      byOptions.set(key, rules);
    }
    return rules;
  };
  storage.groupByPropertyName = (rules) => {
    let grouped = groupings.get(rules);
    if (grouped === undefined) {
      grouped = group(rules);
      groupings.set(rules, grouped);
    }
    return grouped;
  };
}
