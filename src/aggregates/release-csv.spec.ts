import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ed25519FromSeed, generateKeyBase64, parseKey } from '../crypto/index.js';
import { gridValues, maxCsvRows, releaseCsv } from './release-csv.js';
import { releaseText, signRelease, type ReleaseFacts } from './release-manifest.js';
import { runVerify } from './release-verify.js';

const K = 11;
const key = ed25519FromSeed(parseKey('seed', generateKeyBase64()));

/** An answer of the shape POST /v1/aggregates/query releases (listing rule: counts below k absent). */
const answer = {
  k: K,
  cells: [
    { citizenshipSubregion: '035', yearOfRegistration: 2021, count: 40, suppressed: false },
    { citizenshipSubregion: '035', yearOfRegistration: 2022, count: null, suppressed: true },
    { citizenshipSubregion: '202', yearOfRegistration: 2022, count: 25, suppressed: false },
  ],
  margins: {
    citizenshipSubregion: [{ citizenshipSubregion: '035', count: 70, suppressed: false }],
    yearOfRegistration: [{ yearOfRegistration: 2022, count: 52, suppressed: false }],
  },
  total: { count: 96, suppressed: false },
  disclosureControl: {
    k: K,
    noise: { sigma: 10, halfWidth95: 20 },
    statement: 'Counts below k = 11 are not listed.',
  },
  budget: { charged: 0.02, remaining: 0.3, total: 0.35, periodEnd: '2027-06-30' },
  queryId: '0b7f5c8e-8d4f-4c3b-9a57-5a1f0d6c2e11',
};
const facts: ReleaseFacts = {
  queryId: answer.queryId,
  query: { dimensions: ['citizenshipSubregion', 'yearOfRegistration'], filters: {}, sigma: 10 },
  k: K,
  mechanism: { name: 'discrete Gaussian', sigma: 10 },
  rhoCharged: 0.02,
  dataVersion: '2026-12-01/2026-12-01T10:00:00.000Z',
  dataCountedAt: '2026-12-01T11:00:00.000Z',
  releasedAt: '2026-12-01T11:00:00.000Z',
  service: { name: 'ctr-case-api', version: '0.1.0' },
};
const text = releaseText({ ...answer, manifest: signRelease(answer, facts, key) });

describe('CSV of a released answer', () => {
  const csv = releaseCsv(text);
  const rows = parse(csv, { columns: true, comment: '#' }) as Record<string, string>[];

  it('covers the full grid: every sub-region code × every year from the first to the last listed', () => {
    const cells = rows.filter((r) => r.part === 'cell');
    expect(cells).toHaveLength(19 * 2);
    expect(new Set(cells.map((r) => r.yearOfRegistration))).toEqual(new Set(['2021', '2022']));
    expect(
      cells.find((r) => r.citizenshipSubregion === '035' && r.yearOfRegistration === '2021'),
    ).toMatchObject({
      citizenshipSubregionName: 'South-eastern Asia',
      count: '40',
      status: 'released',
      lower95: '20',
      upper95: '60',
    });
    expect(cells.filter((r) => r.status === 'fewer_than_k')).toHaveLength(35);
    for (const r of rows.filter((r) => r.status === 'released'))
      expect(Number(r.count)).toBeGreaterThanOrEqual(K);
    expect(rows.filter((r) => r.part === 'margin')).toHaveLength(19 + 2);
    expect(rows.at(-1)).toMatchObject({ part: 'total', count: '96' });
  });

  it('carries the statement and the signed manifest in its comment block', () => {
    const comments = csv.split('\r\n').filter((l) => l.startsWith('#'));
    expect(comments.join('\n')).toContain('Counts below k = 11 are not listed.');
    expect(comments.some((l) => l.startsWith('# manifest: {'))).toBe(true);
  });

  it('is a pure function of the released text (the same bytes every time)', () => {
    expect(releaseCsv(text)).toBe(csv);
  });

  it('grid values follow filters and code lists; the CSV size of a query is bounded before counting', () => {
    expect(gridValues('gender', { gender: ['male', 'female'] })).toEqual(['female', 'male']);
    expect(gridValues('yearOfRegistration', { yearOfRegistration: [2022, 2020] })).toEqual([2020, 2022]);
    expect(gridValues('yearOfRegistration', {}, [2019, 2017])).toEqual([2017, 2018, 2019]);
    expect(gridValues('exploitationTypes', {})).toContain('notSpecified');
    expect(maxCsvRows(['citizenship', 'countryOfExploitation', 'yearOfRegistration'], {})).toBeGreaterThan(
      1e6,
    );
    expect(maxCsvRows(['citizenship', 'yearOfRegistration'], { yearOfRegistration: [2020, 2021] })).toBe(
      251 * 2 + 251 + 2 + 1,
    );
  });
});

describe('offline verifier (npm run release:verify)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-'));
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const pem = write('key.pem', key.publicKeyPem);

  it('accepts an untouched JSON answer and its CSV with only the public key', () => {
    expect(runVerify([write('a.json', text), '--public-key', pem]).exitCode).toBe(0);
    expect(runVerify([write('a.csv', releaseCsv(text)), '--public-key', pem]).exitCode).toBe(0);
    const keyJson = write(
      'key.json',
      JSON.stringify({ algorithm: 'Ed25519', keyId: key.keyId, publicKeyPem: key.publicKeyPem }),
    );
    expect(runVerify([path.join(dir, 'a.json'), '--public-key', keyJson]).lines[0]).toContain('VERIFIED');
  });

  it('refuses a changed byte in either, and says what failed', () => {
    const json = runVerify([write('b.json', text.replace('"count":40', '"count":41')), '--public-key', pem]);
    expect(json.exitCode).toBe(1);
    expect(json.lines.join('\n')).toContain('FAIL answerSha256');
    const csv = runVerify([
      write('b.csv', releaseCsv(text).replace(',40,released', ',41,released')),
      '--public-key',
      pem,
    ]);
    expect(csv.exitCode).toBe(1);
    expect(runVerify([write('c.json', text + ' '), '--public-key', pem]).exitCode).toBe(1);
    expect(runVerify([path.join(dir, 'c.json'), '--public-key', pem, '--allow-reformatted']).exitCode).toBe(
      0,
    );
  });

  it('usage errors exit 2', () => {
    expect(runVerify([]).exitCode).toBe(2);
    expect(runVerify([path.join(dir, 'missing.json'), '--public-key', pem]).exitCode).toBe(2);
    expect(runVerify(['x.json', '--bogus']).exitCode).toBe(2);
  });
});
