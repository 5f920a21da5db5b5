import crypto from 'node:crypto';
import { CaseKeysScheduler } from '../../src/cases/case-keys.scheduler.js';
import { generateEpochKey, unwrapEpochKey, wrapEpochKey } from '../../src/crypto/index.js';
import { EpochKeyStore } from '../../src/keyring/epoch-store.js';
import { adminToken, createCase, createOffice, createUser, type TestUser } from '../factories.js';
import { keysOf, startTestApp, type TestApp } from '../test-app.js';

const DAY_MS = 86_400_000;

/**
 * Two databases whose services share one key store directory: what happens when a bench, a seed or a
 * second `npm start` with another DATABASE_URL runs from the same checkout (`.data/epoch-keys`). Until
 * migration 1797050000000 the second database named its first epoch `epoch-1` too, wrote its key file over
 * the first's, and its rollover destroyed the first's files as orphans: the first database's cases could
 * never be decrypted again.
 */
describe('the key store shared by two databases (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let worker: TestUser;
  let caseId: string;
  const rollover = (t: TestApp, options: { newEpoch?: boolean; now?: Date } = {}) =>
    t.app.get(CaseKeysScheduler).rollover({ graceMs: 0, ...options });
  const ownerOf = async (t: TestApp) =>
    ((await t.db.query(`SELECT id::text AS id FROM key_store_owner`)).rows[0] as { id: string }).id;
  const filesOf = (store: EpochKeyStore) =>
    new Map(store.list().map((id) => [id, JSON.stringify(store.read(id))]));

  beforeAll(async () => {
    a = await startTestApp();
    const admin = await adminToken(a);
    worker = await createUser(a, admin, 'caseworker', (await createOffice(a, admin)).id);
    caseId = (await createCase(a, worker.token, { subject: { givenName: 'Kept', familyName: 'Person' } })).id;
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("new epochs get random ids, and each key file names its database's owner", async () => {
    const store = new EpochKeyStore(a.config.keys.epochDir);
    const [id] = store.list();
    expect(id).toMatch(/^epoch-[1-9][0-9]{17}$/);
    expect(store.read(id)?.owner).toBe(await ownerOf(a));
  });

  it("a second database with the same keys and directory leaves the first's key files alone, through its rollovers", async () => {
    const store = new EpochKeyStore(a.config.keys.epochDir);
    const before = filesOf(store);
    b = await startTestApp(keysOf(a.config));
    expect(await ownerOf(b)).not.toBe(await ownerOf(a));
    const next = await rollover(b, { newEpoch: true, now: new Date(Date.now() + 2 * DAY_MS) });
    expect(next.ran).toBe(true);
    for (const id of before.keys()) expect(next.destroyedEpochs).not.toContain(id);
    expect(next.foreignKeyFiles).toBe(before.size);
    expect(b.logs.some((line) => line.includes('epoch key file(s) of another database'))).toBe(true);
    for (const [id, content] of before) expect(JSON.stringify(store.read(id))).toBe(content);

    // A fresh process of the first database (a replica: keys from the store alone) still decrypts its cases.
    const replica = await startTestApp({}, { replicaOf: a });
    try {
      const res = await replica
        .http()
        .get(`/v1/cases/${caseId}`)
        .set('Authorization', `Bearer ${worker.token}`);
      expect(res.status).toBe(200);
      expect(res.body.subject.givenName).toBe('Kept');
    } finally {
      await replica.close();
    }
  });

  it('a rollover destroys an orphaned key file of its own database, and a file written before owners only if its master keys open it', async () => {
    const store = new EpochKeyStore(a.config.keys.epochDir);
    const masters = a.config.keys.masterKeys;
    const sealed = (id: string, ring = masters) => {
      const { keyId, wrapped } = wrapEpochKey(ring, generateEpochKey(), id);
      return { id, masterKeyId: keyId, wrapped };
    };
    const otherMasters = { currentKeyId: 'k1', keys: new Map([['k1', crypto.randomBytes(32)]]) };
    // An epoch whose row is gone (a rollover interrupted after deleting it): this database's own orphan.
    store.write({ ...sealed('epoch-101'), owner: await ownerOf(a) });
    // Files from before owners: one this database's master keys open (its own), one they do not.
    store.write(sealed('epoch-102'));
    store.write(sealed('epoch-103', otherMasters));
    const ofB = await ownerOf(b);
    const filesOfB = store.list().filter((id) => store.read(id)?.owner === ofB).length;
    expect(filesOfB).toBeGreaterThan(0);

    const result = await rollover(a);
    expect(result.destroyedEpochs.sort()).toEqual(['epoch-101', 'epoch-102']);
    expect(store.list()).not.toContain('epoch-101');
    expect(store.list()).not.toContain('epoch-102');
    expect(store.read('epoch-103')).toBeDefined();
    // b's files and epoch-103 are another database's.
    expect(result.foreignKeyFiles).toBe(filesOfB + 1);
  });

  it("a live epoch's file written before owners is stamped with its database's owner, and still opens", async () => {
    const store = new EpochKeyStore(a.config.keys.epochDir);
    const [{ id }] = (await a.db.query(`SELECT id FROM key_epochs`)).rows as { id: string }[];
    const stored = store.read(id)!;
    store.write({ id, masterKeyId: stored.masterKeyId, wrapped: stored.wrapped }, { replace: true });
    expect(store.read(id)?.owner).toBeUndefined();

    const result = await rollover(a);
    expect(result.destroyedEpochs).toEqual([]);
    const stamped = store.read(id)!;
    expect(stamped.owner).toBe(await ownerOf(a));
    expect(stamped.wrapped.equals(stored.wrapped)).toBe(true);
    expect(() =>
      unwrapEpochKey(a.config.keys.masterKeys, stamped.masterKeyId, stamped.wrapped, id),
    ).not.toThrow();
  });
});
