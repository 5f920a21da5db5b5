import { jest } from '@jest/globals';
import { validateSync } from 'class-validator';
import { IsNotInFuture } from './validators.js';

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
