/**
 * Calendar dates written `YYYY-MM-DD`, as the service stores them: a real date (`2023-02-30` is not) with a
 * year in MIN_YEAR..MAX_YEAR. Plain TypeScript, no dependencies.
 */
/** The earliest and latest year a stored date may have. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2100;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface YMD {
  year: number;
  month: number;
  day: number;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  switch (month) {
    case 2:
      return isLeapYear(year) ? 29 : 28;
    case 4:
    case 6:
    case 9:
    case 11:
      return 30;
    default:
      return 31;
  }
}

export function parseIsoDate(s: unknown): YMD | null {
  if (typeof s !== 'string') return null;
  const m = ISO_DATE.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < MIN_YEAR || year > MAX_YEAR) return null;
  if (month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/** Strict `YYYY-MM-DD` naming a real calendar date with a year in 1900..2100 (`2023-02-30` is false). */
export function isValidIsoDate(s: string): boolean {
  return parseIsoDate(s) !== null;
}

const DAY_MS = 86_400_000;
let today = { text: '', from: 0, to: 0 };

/**
 * Today's date in UTC, YYYY-MM-DD: computed once per UTC day (checked on every create and import line),
 * again whenever the clock is outside the day it was computed for, backwards included.
 */
export function todayUtc(): string {
  const now = Date.now();
  if (now < today.from || now >= today.to) {
    const from = now - (((now % DAY_MS) + DAY_MS) % DAY_MS);
    today = { text: new Date(from).toISOString().slice(0, 10), from, to: from + DAY_MS };
  }
  return today.text;
}
