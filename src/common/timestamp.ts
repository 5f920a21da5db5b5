import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * The one reader of date/time input (query parameters, cursors): an RFC 3339 timestamp with an explicit
 * offset, or a calendar date (read as midnight UTC). It accepts exactly what a JavaScript Date and a
 * PostgreSQL timestamptz both hold: years 0001-9999, real calendar days and times (no 24:00, no leap
 * second 60), at most millisecond precision. Everything else ISO 8601 allows but Date cannot read the
 * same way (week dates `2026-W01-1`, ordinal dates `2026-123`, basic format `20261201T101010Z`, decimal
 * commas, expanded years) is refused.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/;

export const TIMESTAMP_FORMAT = 'an RFC 3339 timestamp such as 2026-12-01T10:10:10Z (or a date 2026-12-01)';

const daysIn = (year: number, month: number): number =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/** The instant a timestamp names, or null when it is not one this service accepts. */
export function parseTimestamp(text: unknown): Date | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const m = TIMESTAMP.exec(text);
  if (m === null) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] !== undefined && m[8] !== 'Z') {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

/** A parameter validated by @IsTimestamp(): its instant (the validator guarantees it parses). */
export function toTimestamp(text: string): Date;
export function toTimestamp(text: string | undefined): Date | undefined;
export function toTimestamp(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = parseTimestamp(text);
  if (date === null) throw new Error('toTimestamp: unvalidated timestamp');
  return date;
}

/** class-validator decorator for a date/time parameter read by parseTimestamp. */
export const IsTimestamp = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value: unknown) => parseTimestamp(value) !== null,
        defaultMessage: () => `$property must be ${TIMESTAMP_FORMAT}`,
      },
    },
    options,
  );
