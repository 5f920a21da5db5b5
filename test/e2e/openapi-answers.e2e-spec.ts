import { parse } from 'csv-parse/sync';
import { adminToken, createCase, createOffice, createUser, type TestUser } from '../factories.js';
import {
  freeFormPaths,
  resolve,
  schemaErrors,
  type OpenApiDocument,
  type Schema,
} from '../openapi-schema.js';
import { startTestApp, type TestApp } from '../test-app.js';

/**
 * Issue 14's OpenAPI part: the aggregate answer, its CSV, the release manifest, disclosureControl and the
 * errors are typed in the generated document, and real answers of the service are exactly what it says
 * (checked strictly: a key the document does not declare fails).
 */
describe('OpenAPI types of aggregate answers (e2e)', () => {
  let t: TestApp;
  let document: OpenApiDocument;
  let researcher: TestUser;

  const responseSchema = (
    route: string,
    method: string,
    status: string,
    type = 'application/json',
  ): Schema => {
    const schema = document.paths[route]?.[method]?.responses[status]?.content?.[type]?.schema;
    if (!schema) throw new Error(`${method} ${route} ${status} ${type}: no schema`);
    return schema;
  };
  const answerSchema = () => responseSchema('/v1/aggregates/query', 'post', '200');
  const query = (body: object, accept = 'application/json') =>
    t
      .http()
      .post('/v1/aggregates/query')
      .set('Authorization', `Bearer ${researcher.token}`)
      .set('Accept', accept)
      .send(body);

  beforeAll(async () => {
    t = await startTestApp({
      K_ANONYMITY_THRESHOLD: '2',
      AGGREGATE_RESEARCHER_BUDGET_RHO: '100',
      AGGREGATE_GLOBAL_BUDGET_RHO: '1000',
    });
    document = (await t.http().get('/docs-json')).body as OpenApiDocument;
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    const caseworker = await createUser(t, admin, 'caseworker', office.id);
    researcher = await createUser(t, admin, 'researcher');
    for (const [citizenship, gender, n] of [
      ['PH', 'female', 6],
      ['PH', 'male', 4],
      ['TH', 'female', 5],
      ['VN', 'male', 1],
    ] as const) {
      for (let i = 0; i < n; i++) await createCase(t, caseworker.token, { citizenship, gender });
    }
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('types cells per dimension, disclosureControl, the budget and the manifest: nothing free-form', () => {
    const answer = resolve(document, answerSchema());
    expect(answer.required).toEqual(
      expect.arrayContaining(['k', 'cells', 'disclosureControl', 'budget', 'queryId', 'manifest']),
    );
    const cell = resolve(document, answer.properties!.cells).items!;
    expect(cell.additionalProperties).toBe(false);
    expect(resolve(document, cell.properties!.citizenship).enum).toContain('PH');
    expect(resolve(document, cell.properties!.gender).enum).toEqual(
      expect.arrayContaining(['female', 'male']),
    );
    expect(resolve(document, cell.properties!.yearOfRegistration).type).toBe('integer');
    expect(freeFormPaths(document, answerSchema())).toEqual([]);
  });

  it('a real 2-D answer, its stored copy and a total-only answer are exactly what the document says', async () => {
    const res = await query({ dimensions: ['citizenship', 'gender'], accuracy: { sigma: 1 } });
    expect(res.status).toBe(200);
    expect(res.body.cells.length).toBeGreaterThan(0);
    expect(res.body.margins).toBeDefined();
    expect(schemaErrors(document, answerSchema(), res.body)).toEqual([]);

    const again = await t
      .http()
      .get(`/v1/aggregates/answers/${res.body.queryId}`)
      .set('Authorization', `Bearer ${researcher.token}`);
    expect(again.status).toBe(200);
    expect(
      schemaErrors(document, responseSchema('/v1/aggregates/answers/{queryId}', 'get', '200'), again.body),
    ).toEqual([]);

    const total = await query({ dimensions: [] });
    expect(total.status).toBe(200);
    expect(schemaErrors(document, answerSchema(), total.body)).toEqual([]);
  });

  it('the CSV answer is documented with its filename header, and its columns are those of the example', async () => {
    const operation = document.paths['/v1/aggregates/query'].post.responses['200'] as unknown as {
      headers: Record<string, unknown>;
      content: Record<string, { schema: Schema; example?: string }>;
    };
    expect(operation.headers['Content-Disposition']).toBeDefined();
    const csv = operation.content['text/csv'];
    expect(csv.schema.type).toBe('string');
    const exampleHeader = parse(csv.example ?? '', { comment: '#' })[0] as string[];

    const res = await query({ dimensions: ['citizenship', 'gender'], accuracy: { sigma: 1.5 } }, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="aggregate-[0-9a-f-]+\.csv"$/);
    const header = parse(res.text, { comment: '#' })[0] as string[];
    const fixed = (columns: string[]) =>
      columns.filter((c) => ['part', 'count', 'status', 'lower95', 'upper95'].includes(c));
    expect(fixed(header)).toEqual(fixed(exampleHeader));
  });

  it('a CSV that could exceed 1,000,000 rows is a 400 before anything is counted or charged', async () => {
    const budget = async () =>
      (await t.http().get('/v1/aggregates/budget').set('Authorization', `Bearer ${researcher.token}`))
        .body as {
        spent: number;
      };
    const before = await budget();
    const res = await query(
      {
        dimensions: ['citizenship', 'countryOfExploitation', 'yearOfRegistration'],
        accuracy: { sigma: 2.5 },
      },
      'text/csv',
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/more than 1,000,000 rows; add a year filter/);
    expect((await budget()).spent).toBe(before.spent);
    const narrowed = await query(
      {
        dimensions: ['citizenship', 'countryOfExploitation', 'yearOfRegistration'],
        filters: { yearOfRegistration: { gte: 2020, lte: 2022 }, countryOfExploitation: ['MY', 'TH'] },
        accuracy: { sigma: 2.5 },
      },
      'text/csv',
    );
    expect(narrowed.status).toBe(200);
  });

  it('a refused query answers 400 in the documented error shape; 422 (not protectable) is documented', async () => {
    const status = '400';
    expect(document.paths['/v1/aggregates/query'].post.responses['422']).toBeDefined();
    const res = await query({ dimensions: ['nope'] });
    expect(String(res.status)).toBe(status);
    expect(schemaErrors(document, responseSchema('/v1/aggregates/query', 'post', status), res.body)).toEqual(
      [],
    );
  });

  it('every documented error of the aggregate routes is the error shape, and the error shape is strict', () => {
    const error = resolve(document, { $ref: '#/components/schemas/ErrorResponseDto' });
    expect(error.required).toEqual(expect.arrayContaining(['statusCode', 'error', 'message', 'requestId']));
    for (const [route, item] of Object.entries(document.paths).filter(([r]) =>
      r.startsWith('/v1/aggregates'),
    )) {
      for (const operation of Object.values(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          expect([route, status, Object.keys(response.content ?? {})]).toEqual([
            route,
            status,
            ['application/json'],
          ]);
        }
      }
    }
  });
});
