import { Decrypter } from 'age-encryption';
import { ROLES, type Role } from '../../src/policy/index.js';
import { parseCsvRecord } from '../../src/cases/import-records.js';
import {
  adminToken,
  createOffice,
  createUser,
  exampleCase,
  usersOfEveryRole,
  type TestUser,
} from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const auth = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });
const PASSPHRASE = 'long enough passphrase 42';

// The machine is shared and imports write hundreds of cases: generous timeouts, never timed assertions.
import.meta.jest.setTimeout(120_000);

let counter = 0;
const letters = (n: number) =>
  n
    .toString(26)
    .split('')
    .map((d) => String.fromCharCode(97 + parseInt(d, 26)))
    .join('');
const uniqName = (prefix: string) => `${prefix}${letters(Date.now() % 1e8)}${letters(counter++)}`;

async function decrypt(file: Buffer, passphrase = PASSPHRASE): Promise<string> {
  const decrypter = new Decrypter();
  decrypter.addPassphrase(passphrase);
  return decrypter.decrypt(new Uint8Array(file), 'text');
}

describe('bulk import and encrypted export (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let officeA: { id: string; code: string };
  let officeB: { id: string; code: string };
  let a: Record<Role, TestUser>;
  let cwB: TestUser;

  const importFile = (user: TestUser, body: string | Buffer, type = 'application/x-ndjson') =>
    t.http().post('/v1/cases/import').set(auth(user)).set('Content-Type', type).send(body);
  const exportFile = (user: TestUser, format: 'csv' | 'ndjson', passphrase: string | null = PASSPHRASE) => {
    const req = t.http().get(`/v1/cases/export?format=${format}`).set(auth(user));
    if (passphrase !== null) void req.set('X-Export-Passphrase', passphrase);
    return req.buffer(true).parse((response, callback) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => callback(null, Buffer.concat(chunks)));
    });
  };
  const countCases = async (officeId: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM cases WHERE office_id = $1`, [officeId])).rows[0]
      .n as number;

  beforeAll(async () => {
    t = await startTestApp({ EXPORT_SCRYPT_WORK_FACTOR: '12' });
    admin = await adminToken(t);
    officeA = await createOffice(t, admin);
    officeB = await createOffice(t, admin, 'TH');
    a = await usersOfEveryRole(t, admin, officeA.id);
    cwB = await createUser(t, admin, 'caseworker', officeB.id);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  describe('import', () => {
    it('NDJSON: valid lines become cases with their own case.create event; bad lines name fields, never values', async () => {
      const secretName = uniqName('Secretname');
      const good = (i: number) =>
        JSON.stringify(
          exampleCase({ subject: { givenName: `${secretName}${letters(i)}`, familyName: 'Haddad' } }),
        );
      const lines = [
        good(1),
        JSON.stringify(exampleCase({ gender: 'FEMALE', subject: { givenName: secretName } })),
        '{not json',
        good(2),
        JSON.stringify(exampleCase({ subject: { givenName: secretName, dateOfBirth: '2099-01-01' } })),
        JSON.stringify({ ...exampleCase({ subject: { givenName: secretName } }), pseudonym: 'x' }),
        '',
        JSON.stringify(exampleCase({ registrationDate: '2023-02-30', subject: { givenName: secretName } })),
        good(3),
      ];
      const before = await countCases(officeA.id);
      const res = await importFile(a.caseworker, lines.join('\n') + '\n');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ imported: 3, replayed: 0, failed: 5, errorsTruncated: false });
      expect(res.body.errors).toEqual([
        { line: 2, fields: ['gender'], message: expect.stringContaining('gender') },
        { line: 3, fields: [], message: 'the line is not valid JSON' },
        { line: 5, fields: ['subject.dateOfBirth'], message: expect.stringContaining('dateOfBirth') },
        { line: 6, fields: ['pseudonym'], message: expect.any(String) },
        { line: 8, fields: ['registrationDate'], message: expect.stringContaining('registrationDate') },
      ]);
      expect(JSON.stringify(res.body)).not.toContain(secretName);
      expect(await countCases(officeA.id)).toBe(before + 3);

      const { rows } = await t.db.query(
        `SELECT c.id, e.details FROM cases c JOIN audit_events e ON e.resource_id = c.id::text
          WHERE e.action = 'case.create' AND e.actor_id = $1 AND (e.details->>'importLine') IS NOT NULL`,
        [a.caseworker.id],
      );
      expect(rows.map((r: { details: { importLine: number } }) => r.details.importLine).sort()).toEqual([
        1, 4, 9,
      ]);
      const summary = await t.db.query(
        `SELECT details FROM audit_events WHERE action = 'case.import' AND actor_id = $1 ORDER BY seq DESC LIMIT 1`,
        [a.caseworker.id],
      );
      expect(summary.rows[0].details).toEqual({
        format: 'ndjson',
        lines: 8,
        imported: 3,
        replayed: 0,
        failed: 5,
      });
      expect(t.logs.join('\n')).not.toContain(secretName);

      // The imported cases read back like created ones (encrypted, indexed).
      const found = await t
        .http()
        .get('/v1/cases')
        .query({ givenName: `${secretName}${letters(2)}` })
        .set(auth(a.caseworker));
      expect(found.body.items).toHaveLength(1);
      expect(found.body.items[0]).toMatchObject({ officeId: officeA.id, subject: { familyName: 'Haddad' } });
    });

    it('a file re-sent after a cut creates each case once (explicit and content-derived keys)', async () => {
      const name = uniqName('Resent');
      const lines = Array.from({ length: 300 }, (_, i) => {
        const body = exampleCase({ subject: { givenName: `${name}${letters(i)}` } });
        return JSON.stringify(i % 2 === 0 ? { ...body, idempotencyKey: `${name}-${i}` } : body);
      });
      const file = lines.join('\n') + '\n';
      const before = await countCases(officeA.id);
      // The connection is cut in the middle of line 301: what arrived is one request that ends there.
      const cutAt = file.indexOf(lines[150]) + 20;
      const first = await importFile(a.caseworker, file.slice(0, cutAt));
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ imported: 150, failed: 1 });
      expect(first.body.errors[0]).toMatchObject({ line: 151 });
      const second = await importFile(a.caseworker, file);
      expect(second.body).toMatchObject({ imported: 150, replayed: 150, failed: 0 });
      const third = await importFile(a.caseworker, file);
      expect(third.body).toMatchObject({ imported: 0, replayed: 300, failed: 0 });
      expect(await countCases(officeA.id)).toBe(before + 300);

      // The same explicit key with other content is an error of that line only.
      const reused = JSON.stringify({
        ...exampleCase({ subject: { givenName: 'Other' } }),
        idempotencyKey: `${name}-0`,
      });
      const res = await importFile(a.caseworker, `${reused}\n${lines[2]}\n`);
      expect(res.body).toMatchObject({ imported: 0, replayed: 1, failed: 1 });
      expect(res.body.errors).toEqual([{ line: 1, fields: ['idempotencyKey'], message: expect.any(String) }]);
    });

    it('CSV with the export’s columns; bad cells name their column; an unknown column is a 400 by position', async () => {
      const name = uniqName('Csvname');
      const header =
        'givenName,familyName,registrationDate,gender,citizenship,CountryOfExploitation,isForcedLabour,typeOfLabourDomesticWork,isAbduction,consentResearch,narrative';
      const csv = [
        header,
        `${name}a,Haddad,2021-03-02,female,PH,MY,1,1,0,1,"Line one,\nline two"`,
        `${name}b,,2021-03-02,female,PH,MY,2,0,,1,`,
        `${name}c,Nguyễn,2020-01-01,male,VN,TH,0,0,1,0,`,
      ].join('\r\n');
      const res = await importFile(a.caseworker, csv, 'text/csv; charset=utf-8');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ imported: 2, failed: 1 });
      expect(res.body.errors).toEqual([{ line: 4, fields: ['isForcedLabour'], message: expect.any(String) }]);
      const found = await t
        .http()
        .get('/v1/cases')
        .query({ givenName: `${name}a` })
        .set(auth(a.caseworker));
      expect(found.body.items[0]).toMatchObject({
        exploitationTypes: ['forcedLabour'],
        labourSectors: ['domesticWork'],
        isAbduction: false,
        narrative: 'Line one,\nline two',
        consent: { research: true },
      });
      const unknown = await importFile(a.caseworker, `givenName,${name}\nx,y\n`, 'text/csv');
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toMatch(/column 2/);
      expect(unknown.body.message).not.toContain(name);
    });

    it('a supervisor may not import narrative (a line error naming it); limits, types and roles', async () => {
      const res = await importFile(a.supervisor, JSON.stringify(exampleCase()) + '\n');
      expect(res.body).toMatchObject({ imported: 0, failed: 1 });
      expect(res.body.errors[0].fields).toEqual(['narrative']);
      const noNarrative = { ...exampleCase() };
      delete noNarrative.narrative;
      expect((await importFile(a.supervisor, JSON.stringify(noNarrative))).body.imported).toBe(1);

      expect((await importFile(a.caseworker, '{}', 'application/json')).status).toBe(415);
      expect((await importFile(a.caseworker, 'x', 'text/csv; charset=latin1')).status).toBe(415);
      // The import's types are for the import alone: until 2026-12-02 a CSV or NDJSON body with a valid token
      // reached another route's validation as a stream, whose walk ran the process out of memory.
      for (const type of ['text/csv', 'application/x-ndjson']) {
        const elsewhere = await t
          .http()
          .post('/v1/cases')
          .set(auth(a.caseworker))
          .set('Content-Type', type)
          .timeout(5_000)
          .send(JSON.stringify(exampleCase()));
        expect(elsewhere.status).toBe(415);
        expect(elsewhere.body.message).toBe('Unsupported content type: request bodies are application/json');
      }
      const manyLines = 'x\n'.repeat(50_001);
      const many = await importFile(a.caseworker, manyLines);
      expect(many.status).toBe(413);
      expect(many.body.message).toMatch(/50000 records/);

      for (const role of ROLES) {
        const status = (await importFile(a[role], '')).status;
        expect({ role, status }).toEqual({
          role,
          status: role === 'caseworker' || role === 'supervisor' ? 200 : 403,
        });
      }
    });
  });

  describe('export', () => {
    let ids: string[];
    const name = uniqName('Exportname');

    beforeAll(async () => {
      const lines = [
        exampleCase({
          subject: {
            givenName: name,
            familyName: '=cmd|calc',
            dateOfBirth: '1990-01-01',
            documentNumber: 'P123',
            phone: '+63 900',
            address: 'Street 1, "Flat 2"',
          },
          narrative: 'First,\nsecond line',
          exploitationTypes: ['forcedLabour', 'other'],
          meansOfControl: [],
        }),
        exampleCase({ subject: { givenName: `${name}b` }, narrative: null, isAbduction: null }),
      ].map((body) => JSON.stringify(body));
      await importFile(cwB, lines.join('\n'));
      const list = await t.http().get('/v1/cases').set(auth(cwB));
      ids = (list.body.items as { id: string }[]).map((c) => c.id);
      expect(ids).toHaveLength(2);
    });

    it('CSV: an age file (application/octet-stream, with a filename) whose rows match GET field by field', async () => {
      const res = await exportFile(cwB, 'csv');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="cases-\d{4}-\d{2}-\d{2}\.csv\.age"$/,
      );
      const file = res.body as Buffer;
      expect(file.subarray(0, 21).toString('latin1')).toBe('age-encryption.org/v1');
      expect(file.toString('latin1')).not.toContain(name);
      await expect(decrypt(file, 'not the passphrase')).rejects.toThrow();

      const text = await decrypt(file);
      const records = text.split('\r\n').filter(Boolean);
      // A quoted cell may hold a line break: re-join records split inside quotes.
      const rows: string[][] = [];
      let pending = '';
      for (const piece of records) {
        pending = pending === '' ? piece : `${pending}\r\n${piece}`;
        const cells = parseCsvRecord(pending);
        if (cells !== null) {
          rows.push(cells);
          pending = '';
        }
      }
      const [header, ...data] = rows;
      expect(header.slice(0, 3)).toEqual(['caseId', 'officeId', 'pseudonym']);
      expect(header).toContain('isForcedLabour');
      expect(header).toContain('CountryOfExploitation');
      expect(header.indexOf('givenName')).toBeGreaterThan(header.indexOf('isAbduction'));
      expect(data).toHaveLength(2);
      for (const cells of data) {
        const row = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
        const view = (await t.http().get(`/v1/cases/${row.caseId}`).set(auth(cwB))).body;
        const unescape = (v: string) => (v.startsWith("'") ? v.slice(1) : v);
        expect(row.pseudonym).toBe(view.pseudonym);
        expect(row.officeId).toBe(officeB.id);
        expect(Number(row.version)).toBe(view.version);
        expect(row.createdAt).toBe(view.createdAt);
        expect(row.gender).toBe(view.gender);
        expect(row.citizenship).toBe(view.citizenship);
        expect(row.CountryOfExploitation).toBe(view.countryOfExploitation);
        expect(row.registrationDate).toBe(view.registrationDate);
        expect(row.ageBroad).toBe(view.ageBroad);
        expect(row.majorityStatus).toBe(view.majorityStatus);
        expect(Number(row.yearOfRegistration)).toBe(view.yearOfRegistration);
        expect(row.isForcedLabour).toBe(view.exploitationTypes.includes('forcedLabour') ? '1' : '0');
        expect(row.isOtherExploit).toBe(view.exploitationTypes.includes('other') ? '1' : '0');
        expect(row.meansOfControlWithholdsDocuments).toBe(
          view.meansOfControl.includes('withholdsDocuments') ? '1' : '0',
        );
        expect(row.isAbduction).toBe(view.isAbduction === null ? '' : view.isAbduction ? '1' : '0');
        expect(row.consentResearch).toBe(view.consent.research ? '1' : '0');
        for (const key of ['givenName', 'familyName', 'dateOfBirth', 'documentNumber', 'phone', 'address']) {
          expect(unescape(row[key])).toBe(view.subject[key] ?? '');
        }
        expect(row.narrative).toBe(view.narrative ?? '');
      }
      const dangerous = data.flat().filter((cell) => /^[=+\-@]/.test(cell));
      expect(dangerous).toEqual([]);
    });

    it('NDJSON: each line is the case exactly as GET returns it', async () => {
      const res = await exportFile(cwB, 'ndjson');
      expect(res.status).toBe(200);
      const lines = (await decrypt(res.body as Buffer)).trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        const item = JSON.parse(line) as { id: string };
        const view = (await t.http().get(`/v1/cases/${item.id}`).set(auth(cwB))).body;
        expect(item).toEqual(view);
      }
    });

    it('is audited naming how many and which cases; only the caller’s office', async () => {
      await exportFile(cwB, 'csv');
      const { rows } = await t.db.query(
        `SELECT details FROM audit_events WHERE action = 'case.export' AND actor_id = $1 ORDER BY seq DESC LIMIT 1`,
        [cwB.id],
      );
      expect(rows[0].details).toEqual({ format: 'csv', count: 2 });
      // "Who took survivor X out": the audit search by case id finds the export.
      for (const id of ids) {
        const found = await t
          .http()
          .get('/v1/audit/events')
          .query({ resourceId: id, action: 'case.export' })
          .set(auth(a.auditor));
        expect(found.status).toBe(200);
        expect(found.body.items.map((e: { actorId: string }) => e.actorId)).toContain(cwB.id);
      }
      // Office A's export never contains office B's cases.
      const other = await exportFile(a.caseworker, 'ndjson');
      const text = await decrypt(other.body as Buffer);
      expect(text).not.toContain(name);
      for (const id of ids) expect(text).not.toContain(id);
    });

    it('needs a passphrase of at least 12 characters in the header, never in the query; roles', async () => {
      expect((await exportFile(cwB, 'csv', null)).status).toBe(400);
      const short = await exportFile(cwB, 'csv', 'elevenchars');
      expect(short.status).toBe(400);
      expect(JSON.parse((short.body as Buffer).toString()).message).toMatch(/X-Export-Passphrase/);
      const inQuery = await t
        .http()
        .get(`/v1/cases/export?format=csv&passphrase=${encodeURIComponent(PASSPHRASE)}`)
        .set(auth(cwB));
      expect(inQuery.status).toBe(400);
      expect((await exportFile(cwB, 'xlsx' as 'csv')).status).toBe(400);
      for (const role of ['auditor', 'researcher', 'admin'] as const) {
        expect((await exportFile(a[role], 'csv')).status).toBe(403);
      }
      expect(t.logs.join('\n')).not.toContain(PASSPHRASE);
    });

    it('no plaintext identity in any table or log after import and export', async () => {
      const { rows: columns } = await t.db.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public'
            AND data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb', 'ARRAY')`,
      );
      for (const { table_name: table, column_name: column, data_type: type } of columns as Record<
        string,
        string
      >[]) {
        const expr = type === 'bytea' ? `encode("${column}", 'escape')` : `"${column}"::text`;
        for (const needle of [name, 'First,\nsecond line', 'P123', 'Flat 2']) {
          const { rows } = await t.db.query(
            `SELECT count(*)::int AS n FROM "${table}" WHERE position(lower($1) in lower(${expr})) > 0`,
            [needle],
          );
          expect({ table, column, needle, n: rows[0].n }).toEqual({ table, column, needle, n: 0 });
        }
      }
      const logs = t.logs.join('\n');
      for (const needle of [name, 'Flat 2', PASSPHRASE]) expect(logs).not.toContain(needle);
      // The batched case.create events of the imports chain like any others.
      const verify = await t.http().get('/v1/audit/verify').set(auth(a.auditor));
      expect(verify.status).toBe(200);
      expect(verify.body.ok).toBe(true);
    });
  });
});
