import fc from 'fast-check';
import { AGE_BROAD, MAJORITY_STATUS } from './codes.js';
import { DerivationError, ageAt, ageBand, deriveAttributes, isValidIsoDate } from './derive.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const iso = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

/** Random real dates, built through Date so the arbitrary is independent of derive.ts. */
const dateArb = (minYear = 1900, maxYear = 2100) =>
  fc
    .date({
      min: new Date(Date.UTC(minYear, 0, 1)),
      max: new Date(Date.UTC(maxYear, 11, 31)),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10));

/** Add whole years; a 29 February falls on 1 March in a non-leap year. */
function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const dt = new Date(Date.UTC(y + years, m - 1, d));
  return dt.toISOString().slice(0, 10);
}
function addDays(date: string, days: number): string {
  const dt = new Date(`${date}T00:00:00Z`);
  dt.setUTCDate(dt.getUTCDate() + days);
  return dt.toISOString().slice(0, 10);
}

// The DATA.md bands, as an independent literal table: [lowest age, highest age, band].
const BANDS: [number, number, string][] = [
  [0, 8, '0-8'],
  [9, 17, '9-17'],
  [18, 20, '18-20'],
  [21, 23, '21-23'],
  [24, 26, '24-26'],
  [27, 29, '27-29'],
  [30, 38, '30-38'],
  [39, 47, '39-47'],
  [48, 200, '48+'],
];

describe('isValidIsoDate', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-28', true],
    ['2000-02-29', true],
    ['1900-01-01', true],
    ['2100-12-31', true],
    ['2021-03-02', true],
    ['2023-04-30', true],
    ['2023-12-31', true],
    ['2023-02-29', false],
    ['2023-02-30', false],
    ['1900-02-29', false],
    ['2100-02-29', false],
    ['2023-04-31', false],
    ['2023-06-31', false],
    ['2023-09-31', false],
    ['2023-11-31', false],
    ['2023-01-32', false],
    ['2023-13-01', false],
    ['2023-00-10', false],
    ['2023-01-00', false],
    ['1899-12-31', false],
    ['2101-01-01', false],
    ['2023-1-01', false],
    ['2023-01-1', false],
    ['23-01-01', false],
    ['02023-01-01', false],
    ['2023/01/01', false],
    ['2023-01-01T00:00:00Z', false],
    [' 2023-01-01', false],
    ['2023-01-01 ', false],
    ['2023-01-01\n', false],
    ['２０２３-01-01', false],
    ['', false],
    ['not a date', false],
  ])('%j is %s', (s, expected) => {
    expect(isValidIsoDate(s)).toBe(expected);
  });

  it('rejects non-strings without throwing', () => {
    for (const v of [null, undefined, 20230101, {}, []])
      expect(isValidIsoDate(v as unknown as string)).toBe(false);
  });

  it('agrees with the calendar (Date round-trip) for every YYYY-MM-DD in range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2100 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const s = iso(y, m, d);
          const dt = new Date(Date.UTC(y, m - 1, d));
          const real = m >= 1 && m <= 12 && d >= 1 && dt.toISOString().slice(0, 10) === s;
          expect(isValidIsoDate(s)).toBe(real);
        },
      ),
    );
  });

  it('accepts every real date in 1900..2100', () => {
    fc.assert(fc.property(dateArb(), (s) => expect(isValidIsoDate(s)).toBe(true)));
  });
});

describe('ageAt', () => {
  it('counts completed years: not yet on the day before the birthday, yes on the birthday', () => {
    fc.assert(
      fc.property(dateArb(1900, 2000), fc.integer({ min: 1, max: 99 }), (dob, n) => {
        const birthday = addYears(dob, n);
        expect(ageAt(dob, birthday)).toBe(n);
        expect(ageAt(dob, addDays(birthday, -1))).toBe(n - 1);
      }),
    );
  });

  it('is 0 on the day of birth', () => {
    fc.assert(fc.property(dateArb(), (d) => expect(ageAt(d, d)).toBe(0)));
  });

  it('is monotone in the reference date', () => {
    fc.assert(
      fc.property(dateArb(1900, 2000), dateArb(2000, 2050), dateArb(2000, 2050), (dob, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(ageAt(dob, lo)).toBeLessThanOrEqual(ageAt(dob, hi));
      }),
    );
  });

  it('a 29 February birthday is completed on 1 March of non-leap years and on 29 February of leap years', () => {
    expect(ageAt('2004-02-29', '2005-02-28')).toBe(0);
    expect(ageAt('2004-02-29', '2005-03-01')).toBe(1);
    expect(ageAt('2004-02-29', '2008-02-28')).toBe(3);
    expect(ageAt('2004-02-29', '2008-02-29')).toBe(4);
    expect(ageAt('2004-02-29', '2022-02-28')).toBe(17);
    expect(ageAt('2004-02-29', '2022-03-01')).toBe(18);
  });

  it('throws a RangeError that does not echo the value on an invalid date', () => {
    expect(() => ageAt('2023-02-30', '2024-01-01')).toThrow(RangeError);
    expect(() => ageAt('2000-01-01', 'nope')).toThrow(RangeError);
    try {
      ageAt('1999-02-30', '2024-01-01');
    } catch (e) {
      expect((e as Error).message).not.toContain('1999-02-30');
    }
  });
});

describe('ageBand', () => {
  it.each(BANDS.flatMap(([lo, hi, band]) => [[lo, band] as const, [hi, band] as const]))(
    'age %i is in band %s (band boundaries)',
    (age, band) => {
      expect(ageBand(age)).toBe(band);
    },
  );

  it('every age maps to exactly one band, the one DATA.md gives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 150 }), (age) => {
        const matching = BANDS.filter(([lo, hi]) => age >= lo && age <= hi);
        expect(matching).toHaveLength(1);
        expect(ageBand(age)).toBe(matching[0][2]);
        expect(AGE_BROAD).toContain(ageBand(age));
      }),
    );
  });

  it('bands are contiguous from 0 and ordered like AGE_BROAD', () => {
    expect(BANDS.map((b) => b[2])).toEqual(AGE_BROAD.filter((b) => b !== 'unknown'));
    for (let i = 1; i < BANDS.length; i++) expect(BANDS[i][0]).toBe(BANDS[i - 1][1] + 1);
  });

  it('rejects negative or fractional ages', () => {
    expect(() => ageBand(-1)).toThrow(RangeError);
    expect(() => ageBand(3.5)).toThrow(RangeError);
    expect(() => ageBand(Number.NaN)).toThrow(RangeError);
  });
});

describe('deriveAttributes', () => {
  it('without a date of birth gives unknown/unknown and the registration year', () => {
    expect(deriveAttributes('2021-03-02')).toEqual({
      ageBroad: 'unknown',
      majorityStatus: 'unknown',
      yearOfRegistration: 2021,
    });
    expect(deriveAttributes('1999-12-31', null)).toEqual({
      ageBroad: 'unknown',
      majorityStatus: 'unknown',
      yearOfRegistration: 1999,
    });
  });

  it('derives the example of API.md (born 2004-05-17, registered 2021-03-02: 16, minor)', () => {
    expect(deriveAttributes('2021-03-02', '2004-05-17')).toEqual({
      ageBroad: '9-17',
      majorityStatus: 'minor',
      yearOfRegistration: 2021,
    });
  });

  it.each([
    [8, '0-8', 'minor'],
    [9, '9-17', 'minor'],
    [17, '9-17', 'minor'],
    [18, '18-20', 'adult'],
    [20, '18-20', 'adult'],
    [21, '21-23', 'adult'],
    [23, '21-23', 'adult'],
    [24, '24-26', 'adult'],
    [26, '24-26', 'adult'],
    [27, '27-29', 'adult'],
    [29, '27-29', 'adult'],
    [30, '30-38', 'adult'],
    [38, '30-38', 'adult'],
    [39, '39-47', 'adult'],
    [47, '39-47', 'adult'],
    [48, '48+', 'adult'],
  ])(
    'turning exactly %i on the registration date gives %s / %s; the day before gives the lower band',
    (age, band, majority) => {
      fc.assert(
        fc.property(dateArb(1900, 2040), (dob) => {
          const reg = addYears(dob, age);
          expect(deriveAttributes(reg, dob)).toEqual({
            ageBroad: band,
            majorityStatus: majority,
            yearOfRegistration: Number(reg.slice(0, 4)),
          });
          const before = deriveAttributes(addDays(reg, -1), dob);
          expect(before.ageBroad).toBe(ageBand(age - 1));
          expect(before.majorityStatus).toBe(age - 1 < 18 ? 'minor' : 'adult');
        }),
      );
    },
  );

  it('majority status is consistent with the band, and both are valid codes', () => {
    fc.assert(
      fc.property(dateArb(1900, 2100), dateArb(1900, 2100), (a, b) => {
        const [dob, reg] = a <= b ? [a, b] : [b, a];
        const d = deriveAttributes(reg, dob);
        expect(AGE_BROAD).toContain(d.ageBroad);
        expect(MAJORITY_STATUS).toContain(d.majorityStatus);
        expect(d.ageBroad).not.toBe('unknown');
        const minorBand = d.ageBroad === '0-8' || d.ageBroad === '9-17';
        expect(d.majorityStatus).toBe(minorBand ? 'minor' : 'adult');
        expect(d.majorityStatus === 'minor').toBe(ageAt(dob, reg) < 18);
        expect(d.yearOfRegistration).toBe(Number(reg.slice(0, 4)));
      }),
    );
  });

  it('a leap-day child becomes an adult on 1 March of a non-leap 18th year, 29 February of a leap one', () => {
    expect(deriveAttributes('2022-02-28', '2004-02-29').majorityStatus).toBe('minor');
    expect(deriveAttributes('2022-03-01', '2004-02-29').majorityStatus).toBe('adult');
    expect(deriveAttributes('2014-02-28', '1996-02-29').majorityStatus).toBe('minor');
    expect(deriveAttributes('2014-03-01', '1996-02-29')).toMatchObject({
      ageBroad: '18-20',
      majorityStatus: 'adult',
    });
    // Born 1984-02-29: 36 on 2020-02-29 (leap year), 48 on 2032-02-29 (leap year).
    expect(deriveAttributes('2020-02-29', '1984-02-29').ageBroad).toBe('30-38');
    expect(deriveAttributes('2020-02-28', '1984-02-29')).toMatchObject({ ageBroad: '30-38' });
    expect(deriveAttributes('2032-02-29', '1984-02-29').ageBroad).toBe('48+');
    expect(deriveAttributes('2032-02-28', '1984-02-29').ageBroad).toBe('39-47');
  });

  it('a date of birth after the registration date throws DerivationError on subject.dateOfBirth', () => {
    fc.assert(
      fc.property(dateArb(1900, 2099), fc.integer({ min: 1, max: 3650 }), (reg, days) => {
        const dob = addDays(reg, days);
        fc.pre(isValidIsoDate(dob));
        let err: unknown;
        try {
          deriveAttributes(reg, dob);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DerivationError);
        expect((err as DerivationError).field).toBe('subject.dateOfBirth');
        expect((err as Error).message).not.toContain(dob);
      }),
    );
  });

  it('invalid dates throw DerivationError naming the field', () => {
    expect(() => deriveAttributes('2023-02-30', '2000-01-01')).toThrow(DerivationError);
    try {
      deriveAttributes('2023-02-30');
    } catch (e) {
      expect((e as DerivationError).field).toBe('registrationDate');
    }
    try {
      deriveAttributes('2023-03-01', '2023-02-29');
    } catch (e) {
      expect((e as DerivationError).field).toBe('subject.dateOfBirth');
      expect((e as Error).message).not.toContain('2023-02-29');
    }
    expect.assertions(4);
  });

  it('born on the registration date is 0-8, minor', () => {
    expect(deriveAttributes('2020-06-01', '2020-06-01')).toMatchObject({
      ageBroad: '0-8',
      majorityStatus: 'minor',
    });
  });
});
