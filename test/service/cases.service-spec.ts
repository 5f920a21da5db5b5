import { AuditService } from '../../src/audit/audit.service.js';
import { rolloverKeys } from '../../src/cases/rewrap.js';
import { EpochKeyring } from '../../src/keyring/epoch-keyring.js';
import { AppConfig } from '../../src/config/app-config.js';
import { CaseCreateService } from '../../src/cases/case-create.service.js';
import { CaseSearchService } from '../../src/cases/case-search.service.js';
import { CaseUpdateService } from '../../src/cases/case-update.service.js';
import { CasesService } from '../../src/cases/cases.service.js';
import { CreateCaseDto, ListCasesQueryDto, UpdateCaseDto } from '../../src/cases/dto/case.dto.js';
import { DomainError, type ErrorCode } from '../../src/common/errors.js';
import type { RequestContext } from '../../src/common/request-context.js';
import { validateBody } from '../../src/common/validation.js';
import { CASE_ATTRIBUTES, DERIVED_ATTRIBUTES } from '../../src/ctdc/index.js';
import { exampleCase } from '../factories.js';
import { startServiceTier, type ServiceTier } from './service-tier.js';

const codeOf = async (work: Promise<unknown>): Promise<ErrorCode | 'ok'> => {
  try {
    await work;
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
};

describe('cases services on the real database (no HTTP)', () => {
  let tier: ServiceTier;
  let cases: CasesService;
  let creating: CaseCreateService;
  let updating: CaseUpdateService;
  let searching: CaseSearchService;
  let officeA: string;
  let officeB: string;
  let workerA: RequestContext;
  let workerB: RequestContext;
  let supervisorA: RequestContext;
  let supervisorB: RequestContext;
  let auditor: RequestContext;
  let admin: RequestContext;
  let researcher: RequestContext;

  const create = async (ctx: RequestContext, overrides: Record<string, unknown> = {}) =>
    (await creating.create(ctx, await validateBody(CreateCaseDto, exampleCase(overrides)))).view.id as string;

  beforeAll(async () => {
    tier = await startServiceTier();
    cases = tier.get(CasesService);
    creating = tier.get(CaseCreateService);
    updating = tier.get(CaseUpdateService);
    searching = tier.get(CaseSearchService);
    officeA = await tier.office('A');
    officeB = await tier.office('B');
    workerA = await tier.actor('caseworker', officeA);
    workerB = await tier.actor('caseworker', officeB);
    supervisorA = await tier.actor('supervisor', officeA);
    supervisorB = await tier.actor('supervisor', officeB);
    auditor = await tier.actor('auditor');
    admin = await tier.actor('admin');
    researcher = await tier.actor('researcher');
  });
  afterAll(async () => {
    await tier.close();
  });

  describe('office scoping on every record path', () => {
    let id: string;
    beforeAll(async () => {
      id = await create(workerA);
    });

    it('a case is created in the actor’s own office', async () => {
      const { rows } = await tier.db.query('SELECT office_id FROM cases WHERE id = $1', [id]);
      expect(rows[0].office_id).toBe(officeA);
    });

    it('its own office reads it; another office, an admin and a researcher do not find it', async () => {
      expect((await cases.get(workerA, id)).view.id).toBe(id);
      expect(await codeOf(cases.get(workerB, id))).toBe('NOT_FOUND');
      expect(await codeOf(cases.get(admin, id))).toBe('NOT_FOUND');
      expect(await codeOf(cases.get(researcher, id))).toBe('NOT_FOUND');
    });

    it('an auditor reads metadata and consent only', async () => {
      const { view } = await cases.get(auditor, id);
      expect(Object.keys(view).sort()).toEqual(
        [
          'consent',
          'createdAt',
          'createdBy',
          'erasedAt',
          'id',
          'officeId',
          'pseudonym',
          'updatedAt',
          'version',
        ].sort(),
      );
    });

    it('another office cannot update or erase it, and the row is unchanged', async () => {
      const patch = await validateBody(UpdateCaseDto, { gender: 'male' });
      expect(await codeOf(updating.update(workerB, id, patch, '"1"'))).toBe('NOT_FOUND');
      expect(await codeOf(cases.erase(supervisorB, id))).toBe('NOT_FOUND');
      const { rows } = await tier.db.query('SELECT gender, version, erased_at FROM cases WHERE id = $1', [
        id,
      ]);
      expect(rows[0]).toEqual({ gender: 'female', version: 1, erased_at: null });
    });

    it('a list or search shows only the actor’s office', async () => {
      await create(workerB);
      const query = await validateBody(ListCasesQueryDto, { familyName: 'Haddad' });
      const mine = await searching.list(workerA, query);
      const theirs = await searching.list(workerB, query);
      expect(mine.items.every((item) => item.officeId === officeA)).toBe(true);
      expect(theirs.items.every((item) => item.officeId === officeB)).toBe(true);
      expect(mine.items.map((item) => item.id)).toContain(id);
      expect(theirs.items.map((item) => item.id)).not.toContain(id);
    });
  });

  describe('erasure', () => {
    it('clears identity, keys, indexes and every attribute in the row, and leaves metadata', async () => {
      const id = await create(workerA);
      await cases.erase(supervisorA, id);
      const columns = [
        'pseudonym',
        'key_id',
        'wrapped_key',
        'subject_ct',
        'narrative_ct',
        'bi_given_name',
        'bi_family_name',
        'bi_document_number',
        ...Object.values(CASE_ATTRIBUTES).map((spec) => spec.column),
        ...Object.values(DERIVED_ATTRIBUTES).map((spec) => spec.column),
      ];
      const { rows } = await tier.db.query(
        `SELECT ${columns.join(', ')}, erased_at FROM cases WHERE id = $1`,
        [id],
      );
      for (const column of columns) expect([column, rows[0][column]]).toEqual([column, null]);
      expect(rows[0].erased_at).toBeInstanceOf(Date);
      const { view } = await cases.get(workerA, id);
      expect(view).not.toHaveProperty('subject');
      expect(view).not.toHaveProperty('gender');
      expect(view.erasedAt).not.toBeNull();
    });

    it('an erased case cannot be erased or updated again (CASE_ERASED)', async () => {
      const id = await create(workerA);
      await cases.erase(supervisorA, id);
      expect(await codeOf(cases.erase(supervisorA, id))).toBe('CASE_ERASED');
      const patch = await validateBody(UpdateCaseDto, { gender: 'male' });
      expect(await codeOf(updating.update(workerA, id, patch, '"2"'))).toBe('CASE_ERASED');
    });
  });

  describe('writes', () => {
    it('a stale If-Match is STALE_VERSION and a missing one IF_MATCH_REQUIRED', async () => {
      const id = await create(workerA);
      const patch = await validateBody(UpdateCaseDto, { gender: 'male' });
      expect(await codeOf(updating.update(workerA, id, patch, '"7"'))).toBe('STALE_VERSION');
      expect(await codeOf(updating.update(workerA, id, patch, undefined))).toBe('IF_MATCH_REQUIRED');
      expect((await updating.update(workerA, id, patch, '"1"')).version).toBe(2);
    });
  });
});

describe('key rollover on the real database', () => {
  let tier: ServiceTier;

  beforeAll(async () => {
    tier = await startServiceTier();
  });
  afterAll(async () => {
    await tier.close();
  });

  it('a new epoch re-wraps every live data key and destroys the old epoch; master rotation re-wraps epoch keys; erased ones stay keyless', async () => {
    const creating = tier.get(CaseCreateService);
    const cases = tier.get(CasesService);
    const office = await tier.office('R');
    const worker = await tier.actor('caseworker', office);
    const supervisor = await tier.actor('supervisor', office);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const body = await validateBody(CreateCaseDto, exampleCase({ subject: { givenName: `Person${i}` } }));
      ids.push((await creating.create(worker, body)).view.id as string);
    }
    await cases.erase(supervisor, ids[2]);
    const { rows: epochsBefore } = await tier.db.query<{ id: string }>('SELECT id FROM key_epochs');

    const rotated = AppConfig.load({ ...stringEnv(tier.config), FIELD_MASTER_KEY_ID: 'k2' });
    const keyring = tier.get(EpochKeyring);
    const rotatedRing = new EpochKeyring(keyring.store, rotated.keys.masterKeys, keyring.epochSeconds);
    const result = await rolloverKeys(tier.dataSource, rotatedRing, tier.get(AuditService), {
      newEpoch: true,
      graceMs: 0,
    });
    expect(result.rewrapped).toBe(2);
    expect(result.destroyedEpochs).toEqual(epochsBefore.map((row) => row.id));
    expect(keyring.store.read(result.currentEpoch as string)?.masterKeyId).toBe('k2');

    await keyring.refresh(tier.dataSource);
    const { rows } = await tier.db.query<{ key_id: string | null }>('SELECT key_id FROM cases');
    expect(rows.map((row) => row.key_id).sort()).toEqual(
      [result.currentEpoch, result.currentEpoch, null].sort(),
    );
    for (const [i, id] of ids.slice(0, 2).entries()) {
      const { view } = await cases.get(worker, id);
      expect((view.subject as { givenName: string }).givenName).toBe(`Person${i}`);
    }
    const again = await rolloverKeys(tier.dataSource, rotatedRing, tier.get(AuditService), { graceMs: 0 });
    expect(again.rewrapped).toBe(0);
  });
});

function stringEnv(config: AppConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config.env).flatMap(([key, value]) =>
      typeof value === 'string'
        ? [[key, value]]
        : typeof value === 'number' || typeof value === 'boolean'
          ? [[key, String(value)]]
          : [],
    ),
  );
}
