/**
 * The tidy CSV of an aggregate answer (RFC 4180, UTF-8, CRLF line ends). Pure: no framework, no I/O.
 *
 * Layout, documented for researchers in the README:
 * - A header comment block: every line starts with `# ` (read with `comment='#'` in pandas/readr/csv-parse);
 *   it holds the disclosure-control statement and the other lines the caller passes (query id, data version,
 *   the signed manifest). No data line contains `#`.
 * - One header row: `part`, then per dimension its code column (and a `<dimension>Name` column for
 *   dimensions with labels, e.g. country and region names), then `count`, `status`, `lower95`, `upper95`.
 * - One row per combination of the grid's values (`part` = `cell`), whether the answer lists it or not;
 *   then, with two or more dimensions, one row per value of each dimension (`part` = `margin`, the other
 *   dimension columns empty); then the total (`part` = `total`, every dimension column empty).
 * - `status`: `released` (a noisy count), `suppressed` (withheld by complementary suppression: its true
 *   count is at least k), `fewer_than_k` (not listed by the answer: fewer than k cases, possibly none).
 *   `count` is empty unless released; `lower95`/`upper95` are the interval the caller gives for the row
 *   (for a released count: the 95% interval of the true count implied by the noise).
 */
export type CsvValue = string | number | boolean;

export type CsvStatus = 'released' | 'suppressed' | 'fewer_than_k';

/** A count the answer lists. */
export interface ListedCount {
  count: number | null;
  suppressed: boolean;
  lower?: number | null;
  upper?: number | null;
}

export interface CsvDimension {
  name: string;
  /** Every value of the grid along this dimension, in output order. */
  values: readonly CsvValue[];
  /** A human-readable name for a value (adds a `<name>Name` column when given). */
  label?: (value: CsvValue) => string | undefined;
}

export interface CsvAnswer {
  dimensions: readonly CsvDimension[];
  /** Listed cells: the values in dimension order, with the count. */
  cells: readonly { values: readonly CsvValue[]; listed: ListedCount }[];
  /** Listed margin entries per dimension (by dimension index), when there are two or more dimensions. */
  margins: readonly (readonly { value: CsvValue; listed: ListedCount }[])[];
  /** The total, when listed. */
  total: ListedCount | undefined;
  /** Interval of a count the answer does not list (e.g. 0 .. k-1), or none. */
  unlisted?: { lower: number | null; upper: number | null };
  /** Lines of the comment block (each may contain newlines; each becomes one or more `# ` lines). */
  comments: readonly string[];
}

const EOL = '\r\n';

/** One field, quoted when it holds a comma, quote, CR or LF (RFC 4180); `#` is refused in data. */
export function csvField(value: CsvValue | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  if (text.includes('#')) throw new Error('CSV data fields must not contain "#" (the comment marker)');
  // A code list or name never starts a formula; counts are non-negative. Guard anyway (CSV injection).
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) {
    throw new Error('CSV data fields must not start with a formula character');
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const keyOf = (values: readonly CsvValue[]): string => JSON.stringify(values);

function statusOf(listed: ListedCount | undefined): CsvStatus {
  if (!listed) return 'fewer_than_k';
  return listed.suppressed ? 'suppressed' : 'released';
}

/** The number of data rows the CSV of such a grid has (cells of the full grid, margins, total). */
export function csvRowCount(gridSizes: readonly number[]): number {
  const cells = gridSizes.length === 0 ? 0 : gridSizes.reduce((a, b) => a * b, 1);
  const margins = gridSizes.length >= 2 ? gridSizes.reduce((a, b) => a + b, 0) : 0;
  return cells + margins + 1;
}

/** Renders the CSV text of an answer over its full grid (see the module comment for the layout). */
export function renderAnswerCsv(answer: CsvAnswer): string {
  const { dimensions } = answer;
  const out: string[] = [];
  for (const block of answer.comments) {
    for (const line of block.split(/\r?\n/)) out.push(line === '' ? '#' : `# ${line}`);
  }

  const header = ['part'];
  for (const d of dimensions) {
    header.push(d.name);
    if (d.label) header.push(`${d.name}Name`);
  }
  header.push('count', 'status', 'lower95', 'upper95');
  out.push(header.map(csvField).join(','));

  const row = (part: string, at: (CsvValue | undefined)[], listed: ListedCount | undefined) => {
    const fields: (CsvValue | null | undefined)[] = [part];
    dimensions.forEach((d, i) => {
      fields.push(at[i]);
      if (d.label) fields.push(at[i] === undefined ? undefined : d.label(at[i] as CsvValue));
    });
    const status = statusOf(listed);
    const interval = listed ?? answer.unlisted;
    fields.push(status === 'released' ? listed?.count : undefined, status, interval?.lower, interval?.upper);
    out.push(fields.map(csvField).join(','));
  };

  const unique = dimensions.every((d) => new Set(d.values).size === d.values.length);
  if (dimensions.length > 0 && unique) {
    cellRows(answer, out, row);
  } else if (dimensions.length > 0) {
    const cells = new Map(answer.cells.map((c) => [keyOf(c.values), c.listed]));
    const combination: CsvValue[] = [];
    let found = 0;
    const walk = (depth: number) => {
      if (depth === dimensions.length) {
        const listed = cells.get(keyOf(combination));
        if (listed) found++;
        row('cell', combination, listed);
        return;
      }
      for (const value of dimensions[depth].values) {
        combination[depth] = value;
        walk(depth + 1);
      }
    };
    walk(0);
    if (found !== cells.size) throw new Error('a listed cell lies outside the grid of the CSV');
  }
  if (dimensions.length >= 2) {
    dimensions.forEach((d, i) => {
      const listed = new Map((answer.margins[i] ?? []).map((m) => [keyOf([m.value]), m.listed]));
      if (!(answer.margins[i] ?? []).every((m) => d.values.includes(m.value))) {
        throw new Error('a listed margin entry lies outside the grid of the CSV');
      }
      for (const value of d.values) {
        const at: (CsvValue | undefined)[] = dimensions.map((_, j) => (j === i ? value : undefined));
        row('margin', at, listed.get(keyOf([value])));
      }
    });
  }
  row(
    'total',
    dimensions.map(() => undefined),
    answer.total,
  );
  return out.join(EOL) + EOL;
}

/**
 * The cell rows of a grid whose values are unique along each dimension (code lists, years): the same rows as
 * the walk over every combination, but with each value's fields rendered once and the listed cells found by
 * their position in the grid, since a full grid has up to a million rows and almost all are unlisted (one
 * constant tail). A listed cell outside the grid is refused, as by the walk.
 */
function cellRows(
  answer: CsvAnswer,
  out: string[],
  row: (part: string, at: (CsvValue | undefined)[], listed: ListedCount | undefined) => void,
): void {
  const { dimensions } = answer;
  const index = dimensions.map((d) => new Map(d.values.map((v, i) => [v, i] as const)));
  const fields = dimensions.map((d) =>
    d.values.map((v) => (d.label ? `${csvField(v)},${csvField(d.label(v))}` : csvField(v))),
  );
  const listedAt = new Map<number, ListedCount>();
  for (const cell of answer.cells) {
    let position = 0;
    for (let i = 0; i < dimensions.length; i++) {
      const at = cell.values.length === dimensions.length ? index[i].get(cell.values[i]) : undefined;
      if (at === undefined) throw new Error('a listed cell lies outside the grid of the CSV');
      position = position * dimensions[i].values.length + at;
    }
    listedAt.set(position, cell.listed);
  }
  const unlisted = answer.unlisted;
  const tail = `,${csvField(undefined)},fewer_than_k,${csvField(unlisted?.lower)},${csvField(unlisted?.upper)}`;
  const sizes = dimensions.map((d) => d.values.length);
  if (sizes.some((n) => n === 0)) return;
  const at = sizes.map(() => 0);
  for (let position = 0; ; position++) {
    const listed = listedAt.get(position);
    if (listed) {
      row(
        'cell',
        at.map((j, i) => dimensions[i].values[j]),
        listed,
      );
    } else {
      let line = 'cell';
      for (let i = 0; i < at.length; i++) line += `,${fields[i][at[i]]}`;
      out.push(line + tail);
    }
    let d = at.length - 1;
    while (d >= 0 && ++at[d] === sizes[d]) at[d--] = 0;
    if (d < 0) return;
  }
}

type JsonListed = { count: number | null; suppressed?: boolean; [key: string]: unknown };

/** Reads a listed count of the JSON answer: `interval` as `[lower, upper]` when the answer gives one. */
function listedOf(entry: JsonListed): ListedCount {
  const interval = Array.isArray(entry.interval) ? (entry.interval as (number | null)[]) : undefined;
  return {
    count: entry.count,
    suppressed: entry.suppressed === true || entry.count === null,
    lower: interval?.[0] ?? null,
    upper: interval?.[1] ?? null,
  };
}

/**
 * The CSV input of a JSON answer (the shape of POST /v1/aggregates/query): its listed cells, margins and
 * total, over the given grid dimensions (which must cover every listed value).
 */
export function csvAnswerOf(
  answer: {
    cells: readonly JsonListed[];
    margins?: Readonly<Record<string, readonly JsonListed[]>>;
    total?: JsonListed | null;
  },
  dimensions: readonly CsvDimension[],
  extra: Pick<CsvAnswer, 'comments' | 'unlisted'>,
): CsvAnswer {
  return {
    dimensions,
    cells: answer.cells.map((cell) => ({
      values: dimensions.map((d) => cell[d.name] as CsvValue),
      listed: listedOf(cell),
    })),
    margins: dimensions.map((d) =>
      (answer.margins?.[d.name] ?? []).map((entry) => ({
        value: entry[d.name] as CsvValue,
        listed: listedOf(entry),
      })),
    ),
    total: answer.total ? listedOf(answer.total) : undefined,
    ...extra,
  };
}
