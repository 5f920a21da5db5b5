/**
 * Signed release manifests of aggregate answers, and their offline verification. Pure: no framework, no
 * database; signing and verification go through crypto/.
 *
 * An answer is released as one JSON text, its canonical form (keys sorted at every depth, no insignificant
 * whitespace: common/canonical-json), with a `manifest` member:
 * - what was asked and how it was protected: the canonical query, k, the mechanism and its parameters,
 *   the privacy loss ρ charged, the data version and the time it was counted, the release time, the
 *   service name and version;
 * - `answerSha256`: SHA-256 of the canonical JSON of the answer without its `manifest` (every released
 *   number, the statement, the budget, the query id);
 * - `valuesSha256`: SHA-256 of the listed counts alone in a form that the CSV of the same answer gives
 *   too (see releasedValues), so a CSV table can be checked against the same signature;
 * - `signature`: Ed25519, base64, over the canonical JSON of the manifest without `signature`, with the
 *   key named by `keyId` (its public key is at GET /v1/aggregates/public-key; the database never holds
 *   the private key).
 */
import { canonicalJson } from '../common/canonical-json.js';
import {
  parseEd25519PublicKey,
  sha256Hex,
  signEd25519,
  verifyEd25519,
  type Ed25519SigningKey,
} from '../crypto/index.js';

export const MANIFEST_FORMAT = 'ctr-aggregate-release/1';
export const SIGNATURE_ALGORITHM = 'Ed25519';

/** What the service states about a release (everything of the manifest but the hashes and signature). */
export interface ReleaseFacts {
  queryId: string;
  /** The canonical form of the query (dimensions and filters). */
  query: { dimensions: readonly string[]; [key: string]: unknown };
  k: number;
  /** The mechanism and its parameters, as stated in the answer's disclosureControl. */
  mechanism: Record<string, unknown>;
  /** The privacy loss charged for this release (zero-concentrated DP ρ), or null without a budget. */
  rhoCharged: number | null;
  /** The data version counted, and when it was counted (ISO 8601). */
  dataVersion: string | null;
  dataCountedAt: string | null;
  releasedAt: string;
  service: { name: string; version: string };
}

export interface ReleaseManifest extends ReleaseFacts {
  format: typeof MANIFEST_FORMAT;
  answerSha256: string;
  valuesSha256: string;
  algorithm: typeof SIGNATURE_ALGORITHM;
  keyId: string;
  signature: string;
}

type Listed = { count: number | null; suppressed?: boolean; [key: string]: unknown };
/** The parts of an answer that the manifest covers (the JSON shape of POST /v1/aggregates/query). */
export interface ReleasableAnswer {
  cells: readonly Listed[];
  margins?: Readonly<Record<string, readonly Listed[]>>;
  total?: Listed | null;
}

/** One listed count: where it is (part and dimension values as text) and its count (null if withheld). */
export type ValueEntry = readonly (string | number | null)[];

const text = (value: unknown): string => String(value);

/**
 * The listed counts of an answer as sorted entries: `['cell', v1, …, count]`, `['margin', dimension,
 * value, count]`, `['total', count]`, values as text and withheld counts as null. The CSV of the answer
 * yields the same entries from its `released` and `suppressed` rows.
 */
export function releasedValues(answer: ReleasableAnswer, dimensions: readonly string[]): ValueEntry[] {
  const entries: ValueEntry[] = answer.cells.map((cell) => [
    'cell',
    ...dimensions.map((d) => text(cell[d])),
    cell.count,
  ]);
  for (const [dimension, list] of Object.entries(answer.margins ?? {})) {
    for (const entry of list) entries.push(['margin', dimension, text(entry[dimension]), entry.count]);
  }
  if (answer.total) entries.push(['total', answer.total.count]);
  return sortEntries(entries);
}

export function sortEntries(entries: ValueEntry[]): ValueEntry[] {
  const keyed = entries.map((entry) => [canonicalJson(entry), entry] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.map(([, entry]) => entry);
}

export const valuesDigest = (entries: ValueEntry[]): string => sha256Hex(canonicalJson(entries));

/**
 * valuesDigest(releasedValues(answer, dimensions)) in one pass: each entry's canonical text is made once,
 * sorted (the sort key of sortEntries is that same text) and joined, which is the canonical JSON of the
 * sorted list. Equal texts are equal entries, so ties cannot change the bytes.
 */
export function releasedValuesDigest(answer: ReleasableAnswer, dimensions: readonly string[]): string {
  // An entry is a flat list of strings, numbers and nulls: JSON.stringify writes it as canonicalJson does.
  const entry = (values: ValueEntry) => JSON.stringify(values);
  const texts: string[] = answer.cells.map((cell) =>
    entry(['cell', ...dimensions.map((d) => text(cell[d])), cell.count]),
  );
  for (const [dimension, list] of Object.entries(answer.margins ?? {})) {
    for (const listed of list)
      texts.push(entry(['margin', dimension, text(listed[dimension]), listed.count]));
  }
  if (answer.total) texts.push(entry(['total', answer.total.count]));
  texts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256Hex(`[${texts.join(',')}]`);
}

const withoutManifest = (answer: object) =>
  Object.fromEntries(Object.entries(answer).filter(([key]) => key !== 'manifest'));

const signedPart = (manifest: Omit<ReleaseManifest, 'signature'> & { signature?: unknown }) =>
  canonicalJson({ ...manifest, signature: undefined });

function manifestOf(
  answer: ReleasableAnswer,
  answerText: string,
  facts: ReleaseFacts,
  key: Ed25519SigningKey,
): ReleaseManifest {
  const unsigned: Omit<ReleaseManifest, 'signature'> = {
    format: MANIFEST_FORMAT,
    ...facts,
    answerSha256: sha256Hex(answerText),
    valuesSha256: releasedValuesDigest(answer, facts.query.dimensions),
    algorithm: SIGNATURE_ALGORITHM,
    keyId: key.keyId,
  };
  return { ...unsigned, signature: signEd25519(key, signedPart(unsigned)) };
}

/** Builds and signs the manifest of an answer (the answer must not carry one yet). */
export function signRelease(
  answer: ReleasableAnswer,
  facts: ReleaseFacts,
  key: Ed25519SigningKey,
): ReleaseManifest {
  return manifestOf(answer, canonicalJson(withoutManifest(answer)), facts, key);
}

/** The released text of an answer with its manifest: canonical JSON, byte for byte what is stored and served. */
export const releaseText = (answer: ReleasableAnswer & { manifest: ReleaseManifest }): string =>
  canonicalJson(answer);

/**
 * signRelease and releaseText at once, serializing the answer once: its members' canonical texts (keys
 * sorted) make the text the manifest hashes, and the same texts with the manifest member put in its sorted
 * place make the released text — byte for byte releaseText({ ...answer, manifest }).
 */
export function signedRelease(
  answer: ReleasableAnswer,
  facts: ReleaseFacts,
  key: Ed25519SigningKey,
): { manifest: ReleaseManifest; text: string } {
  const object = answer as unknown as Record<string, unknown>;
  const members = Object.keys(object)
    .filter((name) => name !== 'manifest' && object[name] !== undefined)
    .sort()
    .map((name) => [name, `${JSON.stringify(name)}:${canonicalJson(object[name])}`] as const);
  const manifest = manifestOf(answer, `{${members.map(([, t]) => t).join(',')}}`, facts, key);
  const withManifest = [...members, ['manifest', `"manifest":${canonicalJson(manifest)}`] as const].sort(
    ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0),
  );
  return { manifest, text: `{${withManifest.map(([, t]) => t).join(',')}}` };
}

export interface VerifyResult {
  ok: boolean;
  /** What was checked, each true or false. */
  checks: Record<string, boolean>;
  /** Why it failed, in words (empty when ok). */
  problems: string[];
  queryId?: string;
  keyId?: string;
}

const isManifest = (value: unknown): value is ReleaseManifest => {
  const m = value as Partial<ReleaseManifest> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.format === MANIFEST_FORMAT &&
    typeof m.signature === 'string' &&
    typeof m.keyId === 'string' &&
    typeof m.answerSha256 === 'string' &&
    typeof m.valuesSha256 === 'string' &&
    Array.isArray(m.query?.dimensions)
  );
};

function checkSignature(manifest: ReleaseManifest, publicKeyPem: string, result: VerifyResult): void {
  const { keyId } = parseEd25519PublicKey(publicKeyPem);
  result.checks.keyId = keyId === manifest.keyId;
  if (!result.checks.keyId) {
    result.problems.push(`the manifest names key ${manifest.keyId}, the public key given is ${keyId}`);
  }
  result.checks.signature = verifyEd25519(publicKeyPem, signedPart(manifest), manifest.signature);
  if (!result.checks.signature)
    result.problems.push('the manifest signature is not valid for this public key');
}

const finish = (result: VerifyResult): VerifyResult => ({
  ...result,
  ok: result.problems.length === 0 && Object.values(result.checks).every(Boolean),
});

/**
 * Verifies a saved JSON answer offline with only the public key: the signature of the manifest, the hash
 * of the answer and of its listed counts, and (unless `allowReformatted`) that the text is byte for byte
 * the released canonical form (a changed space or key order is then a failure too).
 */
export function verifyReleaseJson(
  fileText: string,
  publicKeyPem: string,
  options: { allowReformatted?: boolean } = {},
): VerifyResult {
  const result: VerifyResult = { ok: false, checks: {}, problems: [] };
  let answer: ReleasableAnswer & { manifest?: unknown };
  try {
    answer = JSON.parse(fileText) as ReleasableAnswer & { manifest?: unknown };
  } catch {
    return { ...result, problems: ['the file is not JSON'] };
  }
  if (typeof answer !== 'object' || answer === null || !isManifest(answer.manifest)) {
    return { ...result, problems: ['the file has no release manifest of format ' + MANIFEST_FORMAT] };
  }
  const manifest = answer.manifest;
  result.queryId = manifest.queryId;
  result.keyId = manifest.keyId;
  checkSignature(manifest, publicKeyPem, result);
  result.checks.answerSha256 = sha256Hex(canonicalJson(withoutManifest(answer))) === manifest.answerSha256;
  if (!result.checks.answerSha256) result.problems.push('the answer does not match the hash in its manifest');
  result.checks.valuesSha256 = digestOrEmpty(answer, manifest.query.dimensions) === manifest.valuesSha256;
  if (!result.checks.valuesSha256)
    result.problems.push('the listed counts do not match the hash in its manifest');
  if (!options.allowReformatted) {
    result.checks.canonicalBytes = fileText.replace(/\r?\n$/, '') === canonicalJson(answer);
    if (!result.checks.canonicalBytes) {
      result.problems.push('the file is not byte for byte the released text (spacing or key order changed)');
    }
  }
  return finish(result);
}

function digestOrEmpty(answer: ReleasableAnswer, dimensions: readonly string[]): string {
  try {
    return valuesDigest(releasedValues(answer, dimensions));
  } catch {
    return ''; // cells or margins of the wrong shape: not what was released
  }
}

/** The manifest line of a released CSV's comment block. */
export const CSV_MANIFEST_PREFIX = 'manifest: ';

/**
 * Verifies a saved CSV answer offline: the manifest in its comment block is signed by the key, and the
 * listed counts of its rows (`released` and `suppressed`) are exactly those the manifest hashes. `rows`
 * are the CSV's data rows as parsed by any standard CSV parser (header names as keys).
 */
export function verifyReleaseCsv(
  commentLines: readonly string[],
  rows: readonly Record<string, string>[],
  publicKeyPem: string,
): VerifyResult {
  const result: VerifyResult = { ok: false, checks: {}, problems: [] };
  const line = commentLines.find((l) => l.startsWith(CSV_MANIFEST_PREFIX));
  let manifest: unknown;
  try {
    manifest = line ? JSON.parse(line.slice(CSV_MANIFEST_PREFIX.length)) : undefined;
  } catch {
    manifest = undefined;
  }
  if (!isManifest(manifest)) {
    return { ...result, problems: ['the CSV has no release manifest line of format ' + MANIFEST_FORMAT] };
  }
  result.queryId = manifest.queryId;
  result.keyId = manifest.keyId;
  checkSignature(manifest, publicKeyPem, result);
  const dimensions = manifest.query.dimensions;
  const count = (row: Record<string, string>) => (row.status === 'released' ? Number(row.count) : null);
  const entries: ValueEntry[] = [];
  for (const row of rows) {
    if (row.status !== 'released' && row.status !== 'suppressed') continue;
    if (row.part === 'cell') entries.push(['cell', ...dimensions.map((d) => row[d] ?? ''), count(row)]);
    else if (row.part === 'margin') {
      const dimension = dimensions.find((d) => (row[d] ?? '') !== '') ?? '';
      entries.push(['margin', dimension, row[dimension] ?? '', count(row)]);
    } else if (row.part === 'total') entries.push(['total', count(row)]);
  }
  result.checks.valuesSha256 = valuesDigest(sortEntries(entries)) === manifest.valuesSha256;
  if (!result.checks.valuesSha256)
    result.problems.push('the counts of the CSV do not match the hash in its manifest');
  return finish(result);
}
