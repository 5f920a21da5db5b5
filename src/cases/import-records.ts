/**
 * Splitting an uploaded stream into records without buffering it whole: NDJSON (one record a line) or
 * CSV (RFC 4180: a quoted cell may hold line breaks, so one record may span several lines). Records are
 * found on the bytes (quotes and line feeds are ASCII), then each is decoded as strict UTF-8 on its own,
 * so a badly encoded record fails alone. Pure: no Nest, no database.
 */
import { DomainError } from '../common/errors.js';

export interface ImportLimits {
  /** Bytes of the whole body. */
  maxBytes: number;
  /** Records (NDJSON lines, CSV records after the header). */
  maxRecords: number;
  /** Bytes of one record. */
  maxRecordBytes: number;
}

/** One record: the line it starts on (1-based), its text, or why it could not be read. */
export type RawRecord =
  { line: number; text: string; error?: undefined } | { line: number; text?: undefined; error: string };

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

export const tooLarge = (limits: ImportLimits, what: 'bytes' | 'records') =>
  new DomainError(
    'PAYLOAD_TOO_LARGE',
    what === 'bytes'
      ? `The body exceeds ${limits.maxBytes} bytes`
      : `The body exceeds ${limits.maxRecords} records`,
  );

/**
 * The records of `source`, in order. `csv` makes double quotes group line breaks into one record.
 * Blank lines are skipped (their line numbers still count). Throws PAYLOAD_TOO_LARGE past maxBytes or
 * past maxRecords (counting the CSV header as a record of its own is up to the caller).
 */
export async function* splitRecords(
  source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>,
  options: { csv: boolean; limits: ImportLimits },
): AsyncGenerator<RawRecord> {
  const { csv, limits } = options;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let parts: Buffer[] = [];
  let partBytes = 0;
  let overlong = false;
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let total = 0;
  let records = 0;
  let first = true;

  const finish = (): RawRecord | null => {
    const startLine = recordLine;
    const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    const wasOverlong = overlong;
    overlong = false;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end -= 1;
    if (!wasOverlong && end === 0) return null;
    records += 1;
    if (records > limits.maxRecords) throw tooLarge(limits, 'records');
    if (wasOverlong) return { line: startLine, error: `the record exceeds ${limits.maxRecordBytes} bytes` };
    let body = bytes.subarray(0, end);
    if (first && body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
      body = body.subarray(3);
    }
    first = false;
    try {
      return { line: startLine, text: decoder.decode(body) };
    } catch {
      return { line: startLine, error: 'the record is not valid UTF-8' };
    }
  };

  const append = (piece: Buffer) => {
    if (overlong) return;
    if (partBytes + piece.length > limits.maxRecordBytes) {
      overlong = true;
      parts = [];
      partBytes = 0;
      return;
    }
    if (piece.length > 0) {
      parts.push(piece);
      partBytes += piece.length;
    }
  };

  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += buffer.length;
    if (total > limits.maxBytes) throw tooLarge(limits, 'bytes');
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const byte = buffer[i];
      if (csv && byte === QUOTE) {
        inQuotes = !inQuotes;
      } else if (byte === LF) {
        line += 1;
        if (inQuotes) continue;
        append(buffer.subarray(start, i));
        start = i + 1;
        const record = finish();
        recordLine = line;
        if (record !== null) yield record;
      }
    }
    append(buffer.subarray(start));
  }
  const last = finish();
  if (last !== null) yield last;
}

/**
 * The cells of one CSV record (RFC 4180): commas separate cells, a quoted cell may contain commas,
 * line breaks and doubled quotes. Returns null for a malformed record (a quote inside an unquoted cell,
 * text after a closing quote, or an unterminated quote).
 */
export function parseCsvRecord(text: string): string[] | null {
  const cells: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) return null;
        value += text.slice(i, close);
        if (text[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      cells.push(value);
      if (i === n) return cells;
      if (text[i] !== ',') return null;
      i += 1;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = text.slice(i, end);
      if (value.includes('"')) return null;
      cells.push(value);
      if (comma < 0) return cells;
      i = comma + 1;
    }
  }
}
