import { parse } from 'csv-parse/sync';
import { canonicalJson } from '../common/canonical-json.js';
import { ed25519FromSeed, generateKeyBase64, parseKey } from '../crypto/index.js';
import { csvAnswerOf, renderAnswerCsv } from './answer-csv.js';
import {
  CSV_MANIFEST_PREFIX,
  releasedValues,
  releasedValuesDigest,
  releaseText,
  signedRelease,
  signRelease,
  valuesDigest,
  verifyReleaseCsv,
  verifyReleaseJson,
  type ReleaseFacts,
} from './release-manifest.js';

const seed = () => parseKey('seed', generateKeyBase64());
const key = ed25519FromSeed(seed());

const answer = {
  k: 11,
  cells: [
    { citizenship: 'PH', yearOfRegistration: 2021, count: 120, suppressed: false, interval: [110, 130] },
    { citizenship: 'VN', yearOfRegistration: 2021, count: null, suppressed: true },
    { citizenship: 'VN', yearOfRegistration: 2022, count: 33, suppressed: false, interval: [23, 43] },
  ],
  margins: {
    citizenship: [{ citizenship: 'PH', count: 150, suppressed: false }],
    yearOfRegistration: [{ yearOfRegistration: 2021, count: 140, suppressed: false }],
  },
  total: { count: 201, suppressed: false },
  disclosureControl: { statement: 'Protected with k = 11.' },
  queryId: '6f1c1a3e-2d6b-4b9a-9d1e-0c4a4b7f2a10',
};
const facts: ReleaseFacts = {
  queryId: answer.queryId,
  query: { dimensions: ['citizenship', 'yearOfRegistration'], filters: {} },
  k: 11,
  mechanism: { name: 'discrete Gaussian', sigma: 5 },
  rhoCharged: 0.02,
  dataVersion: '2026-12-01',
  dataCountedAt: '2026-12-01T00:00:00.000Z',
  releasedAt: '2026-12-01T11:00:00.000Z',
  service: { name: 'ctr-case-api', version: '0.1.0' },
};
const released = () => releaseText({ ...answer, manifest: signRelease(answer, facts, key) });

describe('release manifest', () => {
  it('an untouched released answer verifies with only the public key', () => {
    const result = verifyReleaseJson(released(), key.publicKeyPem);
    expect(result).toMatchObject({ ok: true, problems: [], queryId: answer.queryId, keyId: key.keyId });
    expect(result.checks).toEqual({
      keyId: true,
      signature: true,
      answerSha256: true,
      valuesSha256: true,
      canonicalBytes: true,
    });
  });

  it('the released text is canonical JSON (the bytes re-serialize to themselves)', () => {
    const text = released();
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it('any single changed byte fails verification', () => {
    const text = released();
    // Every position of the text, changed to another character: parse error, hash, signature or byte check.
    for (let i = 0; i < text.length; i += 7) {
      const changed = text.slice(0, i) + (text[i] === '1' ? '2' : '1') + text.slice(i + 1);
      expect(verifyReleaseJson(changed, key.publicKeyPem).ok).toBe(false);
    }
    const count = text.replace('"count":120', '"count":121');
    expect(verifyReleaseJson(count, key.publicKeyPem)).toMatchObject({
      ok: false,
      checks: expect.objectContaining({ signature: true, answerSha256: false, valuesSha256: false }),
    });
  });

  it('a changed statement inside the manifest (k, ρ, data version) breaks the signature', () => {
    const text = released().replace('"rhoCharged":0.02', '"rhoCharged":0.002');
    expect(verifyReleaseJson(text, key.publicKeyPem).checks.signature).toBe(false);
  });

  it('a reformatted answer fails the byte check only, and passes when reformatting is allowed', () => {
    const pretty = JSON.stringify(JSON.parse(released()), null, 2);
    const strict = verifyReleaseJson(pretty, key.publicKeyPem);
    expect(strict.ok).toBe(false);
    expect(strict.checks).toMatchObject({ signature: true, answerSha256: true, canonicalBytes: false });
    expect(verifyReleaseJson(pretty, key.publicKeyPem, { allowReformatted: true }).ok).toBe(true);
  });

  it('another key, or a file without a manifest, fails', () => {
    const other = ed25519FromSeed(seed());
    expect(verifyReleaseJson(released(), other.publicKeyPem)).toMatchObject({
      ok: false,
      checks: expect.objectContaining({ keyId: false, signature: false }),
    });
    expect(verifyReleaseJson(JSON.stringify(answer), key.publicKeyPem).ok).toBe(false);
    expect(verifyReleaseJson('not json', key.publicKeyPem).problems).toEqual(['the file is not JSON']);
  });

  it('lists cells, margins and total as text entries, sorted', () => {
    expect(releasedValues(answer, facts.query.dimensions)).toEqual([
      ['cell', 'PH', '2021', 120],
      ['cell', 'VN', '2021', null],
      ['cell', 'VN', '2022', 33],
      ['margin', 'citizenship', 'PH', 150],
      ['margin', 'yearOfRegistration', '2021', 140],
      ['total', 201],
    ]);
  });

  it('the CSV of the answer verifies against the same signature; a changed count in it does not', () => {
    const manifest = signRelease(answer, facts, key);
    const csv = renderAnswerCsv(
      csvAnswerOf(
        answer,
        [
          { name: 'citizenship', values: ['PH', 'TH', 'VN'] },
          { name: 'yearOfRegistration', values: [2021, 2022] },
        ],
        {
          comments: ['Protected.', CSV_MANIFEST_PREFIX + canonicalJson(manifest)],
          unlisted: { lower: 0, upper: 10 },
        },
      ),
    );
    const check = (text: string) => {
      const comments = text
        .split('\r\n')
        .filter((l) => l.startsWith('# '))
        .map((l) => l.slice(2));
      const rows = parse(text, { columns: true, comment: '#' }) as Record<string, string>[];
      return verifyReleaseCsv(comments, rows, key.publicKeyPem);
    };
    expect(check(csv)).toMatchObject({ ok: true });
    expect(check(csv.replace(',120,released', ',121,released')).ok).toBe(false);
    expect(check(csv.replace('cell,VN,2021,,suppressed', 'cell,VN,2021,12,released')).ok).toBe(false);
  });

  it('signedRelease (one serialization) gives byte for byte the manifest and text of signRelease + releaseText', () => {
    const variants = [
      answer,
      { ...answer, margins: undefined, total: undefined },
      { ...answer, budget: { charged: 0.02 }, aaa: [1, 'x'], zzz: { b: 1, a: undefined } },
      { ...answer, cells: [] },
    ];
    for (const variant of variants) {
      const manifest = signRelease(variant, facts, key);
      const one = signedRelease(variant, facts, key);
      expect(one.manifest).toEqual(manifest);
      expect(one.text).toBe(releaseText({ ...variant, manifest }));
      expect(verifyReleaseJson(one.text, key.publicKeyPem).ok).toBe(true);
      expect(releasedValuesDigest(variant, facts.query.dimensions)).toBe(
        valuesDigest(releasedValues(variant, facts.query.dimensions)),
      );
    }
  });
});
