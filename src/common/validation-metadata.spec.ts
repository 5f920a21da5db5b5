import { Type } from 'class-transformer';
import {
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  MetadataStorage,
  ValidateNested,
  getMetadataStorage,
  validateSync,
} from 'class-validator';
import fc from 'fast-check';
import { memoizeValidationMetadata } from './validation-metadata.js';
import { VALIDATION_OPTIONS } from './validation.js';

// Importing validation.ts memoizes the global storage, as in the service.
const storage = getMetadataStorage();
type Target = abstract new (...args: never[]) => object;
/** The library's own lookup, past the memo (which replaces the instance's methods only). */
const truth = (target: Target, groups?: string[], always = false, strictGroups = false) =>
  MetadataStorage.prototype.getTargetValidationMetadatas.call(
    storage,
    target,
    undefined as unknown as string,
    always,
    strictGroups,
    groups,
  );
const memo = (target: Target, groups?: string[], always = false, strictGroups = false) =>
  storage.getTargetValidationMetadatas(target, undefined as unknown as string, always, strictGroups, groups);

class Base {
  @IsString()
  name!: unknown;
}
class Derived extends Base {
  @IsInt()
  count!: unknown;
  @IsString({ groups: ['a'] })
  @IsDefined({ groups: ['b'], always: true })
  grouped!: unknown;
}
class Nested {
  @ValidateNested()
  @Type(() => Derived)
  child!: unknown;
  @IsString({ always: false })
  @IsOptional({ groups: ['a', 'b'] })
  label!: unknown;
}

describe('memoizeValidationMetadata (class-validator rule lookups remembered until a registration)', () => {
  it('answers what the library answers, for any class and options', () => {
    const targets = [Base, Derived, Nested];
    const groups = fc.option(fc.array(fc.constantFrom('a', 'b', 'a,b', ''), { maxLength: 3 }), {
      nil: undefined,
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...targets),
        groups,
        fc.boolean(),
        fc.boolean(),
        (target, g, always, strict) => {
          expect(memo(target, g, always, strict)).toEqual(truth(target, g, always, strict));
          expect(storage.groupByPropertyName(memo(target, g, always, strict))).toEqual(
            MetadataStorage.prototype.groupByPropertyName.call(storage, truth(target, g, always, strict)),
          );
        },
      ),
    );
  });

  it('remembers: the same arrays for the same arguments', () => {
    expect(memo(Derived)).toBe(memo(Derived));
    expect(storage.groupByPropertyName(memo(Derived))).toBe(storage.groupByPropertyName(memo(Derived)));
    expect(memo(Derived, ['a'])).not.toBe(memo(Derived));
  });

  it('forgets on a registration: a rule added to a class (or its parent) after a lookup is enforced', () => {
    class Late {
      @IsString()
      first!: unknown;
    }
    class LateChild extends Late {}
    const check = (target: object) => validateSync(target, VALIDATION_OPTIONS).map((e) => e.property);
    expect(check(Object.assign(new LateChild(), { first: 'x', second: 'y' }))).toEqual(['second']);
    IsInt()(Late.prototype, 'second');
    expect(check(Object.assign(new LateChild(), { first: 'x', second: 'y' }))).toEqual(['second']);
    expect(validateSync(Object.assign(new LateChild(), { first: 'x', second: 'y' }))[0].constraints).toEqual({
      isInt: 'second must be an integer number',
    });
    IsOptional()(Late.prototype, 'third');
    expect(check(Object.assign(new LateChild(), { first: 'x', second: 1, third: 'z' }))).toEqual([]);
    expect(memo(LateChild)).toEqual(truth(LateChild));
  });

  it('is applied once per storage', () => {
    const before = storage.getTargetValidationMetadatas;
    memoizeValidationMetadata(storage);
    expect(storage.getTargetValidationMetadatas).toBe(before);
  });
});
