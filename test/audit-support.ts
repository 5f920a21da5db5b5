import { parsePublicKeysPem } from '../src/crypto/index.js';
import type { TestUser } from './factories.js';
import type { TestApp } from './test-app.js';

/** What the audit tamper tests share: the strongest insider, verify, and the export with its key. */

/** Runs `sql` as the database superuser with every trigger switched off (the append-only ones included). */
export async function asAttacker(t: TestApp, sql: string, params: unknown[] = []): Promise<void> {
  await t.db.query(`SET session_replication_role = replica`);
  try {
    await t.db.query(sql, params);
  } finally {
    await t.db.query(`SET session_replication_role = DEFAULT`);
  }
}

export interface VerifyBody {
  ok: boolean;
  checked: number;
  headHash?: string;
  firstBadSeq?: number;
  headMismatch?: boolean;
  intactThroughSeq?: number;
}

export async function verifyAs(t: TestApp, auditor: TestUser, query = ''): Promise<VerifyBody> {
  const res = await t.http().get(`/v1/audit/verify${query}`).set('Authorization', `Bearer ${auditor.token}`);
  expect(res.status).toBe(200);
  return res.body as VerifyBody;
}

/** GET /v1/audit/events/export as text. */
export async function exportText(t: TestApp, auditor: TestUser, query = ''): Promise<string> {
  const res = await t
    .http()
    .get(`/v1/audit/events/export${query}`)
    .set('Authorization', `Bearer ${auditor.token}`)
    .buffer(true)
    .parse((response, callback) => {
      let data = '';
      response.on('data', (chunk: Buffer) => (data += chunk.toString()));
      response.on('end', () => callback(null, data));
    });
  expect(res.status).toBe(200);
  return res.body as string;
}

/** The published checkpoint keys (public, like a CT log's key). */
export async function publicKeys(t: TestApp) {
  const res = await t.http().get('/v1/audit/public-key');
  expect(res.status).toBe(200);
  expect(res.body.publicKeyPem).toContain('BEGIN PUBLIC KEY');
  expect(res.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: res.body.keyId });
  return parsePublicKeysPem(res.body.publicKeyPem as string);
}
