import fs from 'node:fs';
import path from 'node:path';
import { CaseKeysScheduler } from '../../src/cases/case-keys.scheduler.js';
import { rolloverKeys } from '../../src/cases/rewrap.js';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service.js';
import {
  open,
  unwrapDataKey,
  unwrapEpochKey,
  wrapDataKey,
  type MasterKeyRing,
} from '../../src/crypto/index.js';
import { EpochKeyring } from '../../src/keyring/epoch-keyring.js';
import { EpochKeyStore } from '../../src/keyring/epoch-store.js';
import { adminToken, createCase, createOffice, createUser, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const DAY_MS = 86_400_000;

interface KeyCopy {
  id: string;
  key_id: string;
  wrapped_key: Buffer;
  subject_ct: Buffer;
}

/** Every key the running system holds: master keys and the epoch keys in the store, unwrapped. */
function everyKeyInTheSystem(t: TestApp): Map<string, Buffer> {
  const masters = t.config.keys.masterKeys;
  const keys = new Map<string, Buffer>(masters.keys);
  const store = new EpochKeyStore(t.config.keys.epochDir);
  for (const id of store.list()) {
    const stored = store.read(id)!;
    keys.set(id, unwrapEpochKey(masters, stored.masterKeyId, stored.wrapped, id));
  }
  return keys;
}

/** Tries to unwrap a copied data key with `key` under every key id label there is. */
function unwrapsWith(key: Buffer, labels: Iterable<string>, copy: KeyCopy): boolean {
  for (const label of labels) {
    try {
      unwrapDataKey({ currentKeyId: label, keys: new Map([[label, key]]) }, label, copy.wrapped_key, copy.id);
      return true;
    } catch {
      // not this one
    }
  }
  return false;
}

describe('key epochs: erasure that reaches copies (e2e)', () => {
  let t: TestApp;
  let worker: TestUser;
  let supervisor: TestUser;
  const auth = (u: TestUser) => ({ Authorization: `Bearer ${u.token}` });
  const copyOf = async (id: string): Promise<KeyCopy> =>
    (await t.db.query(`SELECT id::text, key_id, wrapped_key, subject_ct FROM cases WHERE id = $1`, [id]))
      .rows[0] as KeyCopy;
  const rollover = (options: Parameters<typeof rolloverKeys>[3]) =>
    t.app.get(CaseKeysScheduler).rollover({ graceMs: 0, ...options });

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await adminToken(t);
    const officeId = (await createOffice(t, admin)).id;
    worker = await createUser(t, admin, 'caseworker', officeId);
    supervisor = await createUser(t, admin, 'supervisor', officeId);
  });
  afterAll(async () => {
    await t.close();
  });

  it('start-up creates the first epoch; a new case is wrapped under it; its key lives only in the store', async () => {
    const { rows } = await t.db.query(`SELECT id FROM key_epochs`);
    expect(rows).toHaveLength(1);
    const c = await createCase(t, worker.token);
    const copy = await copyOf(c.id);
    expect(copy.key_id).toBe(rows[0].id);
    expect(new EpochKeyStore(t.config.keys.epochDir).list()).toEqual([rows[0].id]);
    const mode = fs.statSync(path.join(t.config.keys.epochDir, `${rows[0].id}.key.json`)).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('after the rollover no key in the system unwraps an erased case copied from the database; other cases still decrypt', async () => {
    const erased = await createCase(t, worker.token, {
      subject: { givenName: 'Shredded', familyName: 'Person' },
    });
    const kept = await createCase(t, worker.token, { narrative: 'Kept narrative' });
    const backup = await copyOf(erased.id);

    const del = await t.http().delete(`/v1/cases/${erased.id}`).set(auth(supervisor));
    expect(del.status).toBe(204);
    expect((await copyOf(erased.id)).wrapped_key).toBeNull();

    // Before the rollover: the copy unwraps with the retained epoch key (what the guarantee bounds).
    const before = everyKeyInTheSystem(t);
    const epochKey = before.get(backup.key_id)!;
    const dataKey = unwrapDataKey(
      { currentKeyId: backup.key_id, keys: new Map([[backup.key_id, epochKey]]) },
      backup.key_id,
      backup.wrapped_key,
      backup.id,
    );
    expect(JSON.parse(open(dataKey, backup.subject_ct, `${backup.id}:subject`)).givenName).toBe('Shredded');

    // The epoch boundary passes (a day later); the service's own rollover runs.
    const result = await rollover({ now: new Date(Date.now() + DAY_MS) });
    expect(result).toMatchObject({ ran: true, destroyedEpochs: [backup.key_id] });
    expect(result.createdEpoch).not.toBe(backup.key_id);
    expect(result.rewrapped).toBeGreaterThanOrEqual(2);

    const after = everyKeyInTheSystem(t);
    expect(after.has(backup.key_id)).toBe(false);
    const labels = [...after.keys(), backup.key_id];
    for (const [id, key] of after) {
      expect({ id, unwraps: unwrapsWith(key, labels, backup) }).toEqual({ id, unwraps: false });
    }
    const { rows: epochs } = await t.db.query(`SELECT id FROM key_epochs`);
    expect(epochs.map((r: { id: string }) => r.id)).toEqual([result.createdEpoch]);

    const keptCopy = await copyOf(kept.id);
    expect(keptCopy.key_id).toBe(result.createdEpoch);
    const res = await t.http().get(`/v1/cases/${kept.id}`).set(auth(worker));
    expect(res.status).toBe(200);
    expect(res.body.narrative).toBe('Kept narrative');

    const { rows: events } = await t.db.query(
      `SELECT action, details FROM audit_events WHERE action LIKE 'keys.%' ORDER BY seq`,
    );
    const actions = events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['keys.epoch.create', 'keys.rewrap', 'keys.epoch.destroy']),
    );
    for (const e of events) expect(JSON.stringify(e.details)).not.toMatch(/[A-Za-z0-9+/]{40,}/);
  });

  it("the erased row's old version is vacuumed out of the table's pages", async () => {
    await t.db.query(`CREATE EXTENSION IF NOT EXISTS pageinspect`);
    const c = await createCase(t, worker.token);
    const copy = await copyOf(c.id);
    const holdsOldVersion = async () => {
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM generate_series(0, pg_relation_size('cases') / current_setting('block_size')::int - 1) AS blk,
                LATERAL heap_page_items(get_raw_page('cases', blk::int)) AS item
          WHERE item.t_data IS NOT NULL AND position($1::bytea IN item.t_data) > 0`,
        [copy.wrapped_key],
      );
      return rows[0].n as number;
    };
    expect(await holdsOldVersion()).toBe(1);
    expect((await t.http().delete(`/v1/cases/${c.id}`).set(auth(supervisor))).status).toBe(204);
    let left = await holdsOldVersion();
    for (let i = 0; i < 50 && left > 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = await holdsOldVersion();
    }
    expect(left).toBe(0);
    // VACUUM does not zero the freed space: the old bytes may stay in the page (and in WAL and backups)
    // until overwritten. That is why the guarantee rests on the epoch key's destruction, tested above.
  });

  it('only one rollover runs at a time across processes (advisory lock); a second caller returns at once', async () => {
    const keyring = t.app.get(EpochKeyring);
    const dataSource = t.app.get(DataSource);
    const audit = t.app.get(AuditService);
    const other = new EpochKeyring(
      new EpochKeyStore(t.config.keys.epochDir),
      t.config.keys.masterKeys,
      keyring.epochSeconds,
    );
    const [a, b] = await Promise.all([
      rolloverKeys(dataSource, keyring, audit, { newEpoch: true, graceMs: 300 }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
        rolloverKeys(dataSource, other, audit, { newEpoch: true, graceMs: 0 }),
      ),
    ]);
    expect([a.ran, b.ran].sort()).toEqual([false, true]);
    expect((await t.db.query(`SELECT id FROM key_epochs`)).rows).toHaveLength(1);
  });

  it('rows wrapped under the master key (before epochs) are re-wrapped under the current epoch, then read as before', async () => {
    const c = await createCase(t, worker.token, { narrative: 'Legacy narrative' });
    const copy = await copyOf(c.id);
    const keys = everyKeyInTheSystem(t);
    const dataKey = unwrapDataKey(
      { currentKeyId: copy.key_id, keys: new Map([[copy.key_id, keys.get(copy.key_id)!]]) },
      copy.key_id,
      copy.wrapped_key,
      copy.id,
    );
    const legacy = wrapDataKey(t.config.keys.masterKeys, dataKey, copy.id);
    // The state right after the KeyEpochs migration on an existing database.
    await t.db.query(`ALTER TABLE cases DROP CONSTRAINT cases_key_epoch_fk`);
    await t.db.query(`UPDATE cases SET key_id = $1, wrapped_key = $2 WHERE id = $3`, [
      legacy.keyId,
      legacy.wrapped,
      copy.id,
    ]);
    await t.db.query(
      `ALTER TABLE cases ADD CONSTRAINT cases_key_epoch_fk FOREIGN KEY (key_id) REFERENCES key_epochs(id) NOT VALID`,
    );
    expect((await t.http().get(`/v1/cases/${c.id}`).set(auth(worker))).body.narrative).toBe(
      'Legacy narrative',
    );

    const result = await rollover({});
    expect(result.rewrapped).toBe(1);
    const migrated = await copyOf(c.id);
    expect(migrated.key_id).toBe(result.currentEpoch);
    expect(Buffer.compare(migrated.subject_ct, copy.subject_ct)).toBe(0);
    const res = await t.http().get(`/v1/cases/${c.id}`).set(auth(worker));
    expect(res.body.narrative).toBe('Legacy narrative');
  });

  it('master key rotation re-wraps the epoch keys; afterwards the old master key is not needed', async () => {
    const c = await createCase(t, worker.token, { narrative: 'Rotation narrative' });
    const masters = t.config.keys.masterKeys;
    const rotated: MasterKeyRing = { currentKeyId: 'k2', keys: masters.keys };
    const keyring = new EpochKeyring(new EpochKeyStore(t.config.keys.epochDir), rotated, 86_400);
    const result = await rolloverKeys(t.app.get(DataSource), keyring, t.app.get(AuditService), {});
    expect(result.epochKeysRewrapped).toBe(1);
    const store = new EpochKeyStore(t.config.keys.epochDir);
    const [id] = store.list();
    const stored = store.read(id)!;
    expect(stored.masterKeyId).toBe('k2');
    const onlyK2: MasterKeyRing = { currentKeyId: 'k2', keys: new Map([['k2', masters.keys.get('k2')!]]) };
    const epochKey = unwrapEpochKey(onlyK2, 'k2', stored.wrapped, id);
    const copy = await copyOf(c.id);
    const dataKey = unwrapDataKey(
      { currentKeyId: id, keys: new Map([[id, epochKey]]) },
      id,
      copy.wrapped_key,
      copy.id,
    );
    expect(
      open(
        dataKey,
        (await t.db.query(`SELECT narrative_ct FROM cases WHERE id = $1`, [c.id])).rows[0].narrative_ct,
        `${c.id}:narrative`,
      ),
    ).toBe('Rotation narrative');
  });
});
