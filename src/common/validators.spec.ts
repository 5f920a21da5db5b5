import { jest } from '@jest/globals';
// IsIn itself, to compare IsOneOf with (the one place it is imported).
// eslint-disable-next-line no-restricted-imports
import { IsIn, validateSync } from 'class-validator';
import fc from 'fast-check';
import { todayUtc } from './iso-date.js';
import { IsNotInFuture, IsOneOf } from './validators.js';

class Dated {
  @IsNotInFuture()
  date!: unknown;
}

const problems = (date: unknown, now: string) => {
  jest.useFakeTimers({ now: new Date(now) });
  try {
    return validateSync(Object.assign(new Dated(), { date })).map((error) => error.constraints);
  } finally {
    jest.useRealTimers();
  }
};

describe('IsNotInFuture (registration and birth dates)', () => {
  it('accepts today and earlier UTC dates, at any time of the UTC day', () => {
    for (const now of ['2026-12-02T00:00:00Z', '2026-12-02T09:59:59Z', '2026-12-02T23:59:59.999Z']) {
      expect(problems('2026-12-02', now)).toEqual([]);
      expect(problems('2026-12-01', now)).toEqual([]);
      expect(problems('1950-01-01', now)).toEqual([]);
    }
  });

  it('refuses tomorrow UTC at any time of the UTC day (the UTC+14 bound let it pass from 10:00 on)', () => {
    for (const now of ['2026-12-02T00:00:00Z', '2026-12-02T10:00:00Z', '2026-12-02T23:59:59.999Z']) {
      expect(problems('2026-12-03', now)).toEqual([
        { isNotInFuture: 'date must not be in the future (after today, UTC)' },
      ]);
    }
    expect(problems('2027-01-01', '2026-12-31T23:59:59Z')).toHaveLength(1);
  });

  it('leaves other types to the other validators of the field', () => {
    expect(problems(20261203, '2026-12-02T12:00:00Z')).toEqual([]);
  });
});

describe('todayUtc (one computation per UTC day)', () => {
  it('is the UTC date of the clock whatever the order of the clock readings (forwards, backwards, far)', () => {
    const day = 86_400_000;
    const instant = fc.oneof(
      fc.integer({ min: -2_208_988_800_000, max: 4_102_444_800_000 }), // 1900 .. 2100
      fc.integer({ min: -3, max: 3 }).map((offset) => 1_796_169_600_000 + offset), // around a midnight
      fc.integer({ min: -day, max: day }),
    );
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        try {
          for (const at of instants) {
            jest.useFakeTimers({ now: at });
            expect(todayUtc()).toBe(new Date(at).toISOString().slice(0, 10));
          }
        } finally {
          jest.useRealTimers();
        }
      }),
    );
  });
});

describe("IsOneOf (class-validator's IsIn, looked up in a Set)", () => {
  const codes = ['a', 'b', 'c', 'unknown'];
  class Single {
    @IsIn(codes)
    library!: unknown;
    @IsOneOf(codes)
    ours!: unknown;
  }
  class Each {
    @IsIn(codes, { each: true, message: 'each value of $property must be one of: a, b, c, unknown' })
    library!: unknown;
    @IsOneOf(codes, { each: true, message: 'each value of $property must be one of: a, b, c, unknown' })
    ours!: unknown;
  }
  /** The constraints of each property, named alike so that they compare. */
  const answers = (target: object) => {
    const byProperty = new Map(validateSync(target).map((error) => [error.property, error.constraints]));
    const library = byProperty.get('library');
    const ours = byProperty.get('ours');
    return {
      library: library && JSON.stringify(library).replaceAll('library', '$'),
      ours: ours && JSON.stringify(ours).replaceAll('ours', '$'),
    };
  };
  const value = fc.oneof(
    fc.constantFrom(...codes),
    fc.string(),
    fc.constantFrom(null, undefined, 0, -0, NaN, true, {}, ['a']),
  );

  it('accepts and refuses exactly what IsIn does, with the same constraint and message', () => {
    fc.assert(
      fc.property(value, (v) => {
        const { library, ours } = answers(Object.assign(new Single(), { library: v, ours: v }));
        expect(ours).toEqual(library);
      }),
    );
    expect(validateSync(Object.assign(new Single(), { library: 'a', ours: 'x' }))[0].constraints).toEqual({
      isIn: 'ours must be one of the following values: a, b, c, unknown',
    });
  });

  it('with each: true, checks every element as IsIn does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(value, { maxLength: 5 }), value), (v) => {
        const { library, ours } = answers(Object.assign(new Each(), { library: v, ours: v }));
        expect(ours).toEqual(library);
      }),
    );
  });
});
