/**
 * THE entry to the `cases` table for every record path (get, list, search, create, update, erase,
 * duplicates, and the workflows built on them). Each way in starts from the actor's office scope
 * (policy/office-scope.ts); the few that cannot be scoped are named below, each with its reason, and no
 * other file of the record path queries `cases`.
 *
 * Raw SQL on `cases` outside this file is allowed only where an inventory entry (RAW_CASES_SQL) gives the
 * reason; a unit test holds the source tree to that inventory.
 */
import type { EntityManager, QueryDeepPartialEntity, SelectQueryBuilder } from 'typeorm';
import { prepared } from '../database/data-source.js';
import { officeScope, type Principal } from '../policy/index.js';
import { CaseEntity } from './case.entity.js';
import type { CaseColumn, CaseRow } from './case-view.js';

/** Files besides this one that may run SQL on `cases`, and why none of them can go through the scope. */
export const RAW_CASES_SQL = {
  'src/aggregates/aggregate-sql.ts':
    'research counts over every office (consenting, non-erased cases only); returns counts, never rows',
  'src/cases/rewrap.ts':
    'the key rollover re-wraps every row’s data key and vacuums the table; maintenance by the service or a command, no actor',
} as const;

/** The columns the scope is stated on: `c` is the one alias of the table in every scoped query. */
const ALIAS = 'c';

/** A scope as a SQL condition on `office_id`, the office always a bound parameter. */
function scopeCondition(
  actor: Principal,
  column: string,
): { where: string; params: Record<string, unknown> } {
  const scope = officeScope(actor);
  switch (scope.kind) {
    case 'office':
      return { where: `${column} = :scopeOfficeId`, params: { scopeOfficeId: scope.officeId } };
    case 'all':
      return { where: 'TRUE', params: {} };
    case 'none':
      return { where: 'FALSE', params: {} };
  }
}

export type NewCase = Omit<
  CaseEntity,
  'officeId' | 'createdAt' | 'updatedAt' | 'erasedAt' | 'duplicatesConfirmedAt' | 'duplicatesConfirmedBy'
>;
/** What possible duplicates are matched on: the exact pseudonym, or the keyed phonetic key. */
export interface DuplicateMatch {
  pseudonym: string;
  phoneticKey: number | null;
}

export type CaseChanges = QueryDeepPartialEntity<CaseEntity>;

/** The appends of many requests' events for one statement (AuditService.appendEachCall's shape). */
export interface AuditedAppendEach extends AuditedAppend {
  /** A FROM item with one row per event, alias `e`: `rid` its resource id, `n` its place (1, 2, …). */
  source: string;
  /** Called for each entry whose append the statement evaluated, once it succeeded. */
  confirmEach: (index: number) => void;
}

/** An audit append for a statement of this repository (AuditService.appendCall's shape). */
export interface AuditedAppend {
  sql: string;
  params: unknown[];
  /** Called once the statement succeeded and evaluated the append. */
  confirm: () => void;
}

/** The actor's cases, in one transaction. */
export class ScopedCases {
  constructor(
    private readonly em: EntityManager,
    readonly actor: Principal,
  ) {}

  /** A SELECT of `columns` over the actor's cases (alias `c`), the scope already applied. */
  select(columns: readonly CaseColumn[]): SelectQueryBuilder<CaseEntity> {
    const scope = scopeCondition(this.actor, `${ALIAS}.office_id`);
    return this.em
      .createQueryBuilder(CaseEntity, ALIAS)
      .select(columns.map((column) => `${ALIAS}.${column}`))
      .where(scope.where, scope.params);
  }

  /**
   * The case `id` with `columns`, or null when it does not exist for the actor. One parameterized
   * statement, values as TypeORM would hydrate them: this is the read and create hot path, where query
   * building and result mapping were about a tenth of the CPU.
   */
  async find(id: string, columns: readonly CaseColumn[]): Promise<CaseRow | null> {
    const scope = officeScope(this.actor);
    if (scope.kind === 'none') return null;
    const own = scope.kind === 'office';
    const rows = (await this.em.query(
      prepared(
        `SELECT ${selectList(this.em, columns)} FROM cases ${ALIAS} WHERE ${ALIAS}.id = $1${own ? ` AND ${ALIAS}.office_id = $2` : ''}`,
      ),
      own ? [id, scope.officeId] : [id],
    )) as CaseRow[];
    return rows[0] ?? null;
  }

  /**
   * The actor's cases with `columns` where every condition holds, in `orderBy` order, at most `take` rows: one
   * parameterized prepared statement (the list and search path, where TypeORM's query building and entity
   * mapping were a tenth of a search's CPU). Each condition is fixed SQL over alias `c` with its values as
   * `?` placeholders, in order; `orderBy` is fixed SQL too (never a value).
   */
  async page(
    columns: readonly CaseColumn[],
    conditions: readonly { sql: string; params: readonly unknown[] }[],
    orderBy: string,
    take: number,
  ): Promise<CaseRow[]> {
    const scope = officeScope(this.actor);
    if (scope.kind === 'none') return [];
    const params: unknown[] = [];
    const bind = (sql: string, values: readonly unknown[]) => {
      let i = 0;
      const bound = sql.replace(/\?/g, () => {
        if (i >= values.length) throw new Error('a condition has more placeholders than values');
        params.push(values[i++]);
        return `$${params.length}`;
      });
      if (i !== values.length) throw new Error('a condition has fewer placeholders than values');
      return bound;
    };
    const where = [
      ...(scope.kind === 'office' ? [bind(`${ALIAS}.office_id = ?`, [scope.officeId])] : []),
      ...conditions.map((condition) => bind(condition.sql, condition.params)),
    ];
    const limit = bind('?', [take]);
    return (await this.em.query(
      prepared(
        `SELECT ${selectList(this.em, columns)} FROM cases ${ALIAS}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy} LIMIT ${limit}`,
      ),
      params,
    )) as CaseRow[];
  }

  /**
   * find() and the read's audit event in ONE statement (atomic on its own, no transaction round trips): the
   * event is appended only when the case is in the actor's scope, in the same snapshot as the row. `append`
   * gets its first parameter number and may name the row's columns as `found."property"`.
   */
  async findAudited(
    id: string,
    columns: readonly CaseColumn[],
    append: (first: number) => AuditedAppend,
  ): Promise<CaseRow | null> {
    const scope = officeScope(this.actor);
    if (scope.kind === 'none') return null;
    const own = scope.kind === 'office';
    const params: unknown[] = own ? [id, scope.officeId] : [id];
    const audit = append(params.length + 1);
    params.push(...audit.params);
    const rows = (await this.em.query(
      prepared(`WITH found AS MATERIALIZED (
              SELECT ${selectList(this.em, columns)} FROM cases ${ALIAS}
               WHERE ${ALIAS}.id = $1${own ? ` AND ${ALIAS}.office_id = $2` : ''}),
            audited AS MATERIALIZED (SELECT ${audit.sql} AS seq FROM found)
       SELECT found.* FROM found CROSS JOIN audited`),
      params,
    )) as CaseRow[];
    // The append ran (and confirmed the session, if it had to) only if the row was found.
    if (rows.length > 0) audit.confirm();
    return rows[0] ?? null;
  }

  /**
   * A new case of the actor's own office (the office is never taken from the caller's input), returned
   * with `columns` by the INSERT itself (no second round trip to read it back).
   */
  async insert(values: NewCase, columns: readonly CaseColumn[] = []): Promise<CaseRow | null> {
    const [row] = await this.insertMany([values], columns);
    return row ?? null;
  }

  /**
   * New cases of the actor's own office in one multi-row INSERT (at most MAX_CASES_PER_INSERT), with
   * `columns` of each returned (in the given order): the seed's batches; the API's create is a batch of
   * one. Parameterized SQL from the entity's column metadata rather than Repository.insert, whose query
   * building was a tenth of a create's CPU.
   */
  async insertMany(rows: readonly NewCase[], columns: readonly CaseColumn[] = []): Promise<CaseRow[]> {
    const scope = officeScope(this.actor);
    if (scope.kind !== 'office') throw new Error('only office staff create cases');
    if (rows.length === 0) return [];
    if (rows.length > MAX_CASES_PER_INSERT) throw new RangeError('too many cases for one INSERT');
    const inserted = insertColumns(this.em);
    const params: unknown[] = [];
    for (const row of rows) {
      params.push(scope.officeId);
      for (const property of inserted.properties) params.push(row[property]);
    }
    const returning = columns.length > 0 ? ` RETURNING ${selectList(this.em, columns)}` : '';
    return (await this.em.query(insertSql(inserted.columns, rows.length) + returning, params)) as CaseRow[];
  }

  /**
   * A new case of the actor's own office, returned with `columns`, together with its live same-office
   * possible duplicates (ids, oldest first, as sameOfficeMatching) and an audit append, in ONE statement:
   * atomic on its own (no BEGIN/COMMIT round trips), so the case exists if and only if its event does.
   * `append(first)` gives the append call with its parameters numbered from `first`; it is evaluated once
   * (a materialized CTE), and last: it reads the inserted row and the duplicates, so the chain lock it takes
   * is held only for the rest of the statement and the commit. If it fails, the whole statement fails.
   * The duplicates are read in the statement's snapshot, which does not hold the new case.
   */
  async insertAudited(
    values: NewCase,
    columns: readonly CaseColumn[],
    append: (first: number) => AuditedAppend,
  ): Promise<{ row: CaseRow; sameOffice: string[] }> {
    const scope = officeScope(this.actor);
    if (scope.kind !== 'office') throw new Error('only office staff create cases');
    const inserted = insertColumns(this.em);
    const params: unknown[] = [scope.officeId];
    for (const property of inserted.properties) params.push(values[property]);
    const match = params.length;
    params.push(values.pseudonym, values.phoneticKey);
    const audit = append(params.length + 1);
    params.push(...audit.params);
    const rows = (await this.em.query(
      prepared(`WITH created AS (${insertSql(inserted.columns, 1)} RETURNING ${selectList(this.em, columns)}),
            dupes AS MATERIALIZED (SELECT ${sameOfficeIds('$1', `$${match + 1}::bpchar`, `$${match + 2}::int`)} AS ids),
            audited AS MATERIALIZED (SELECT ${audit.sql} AS seq FROM created CROSS JOIN dupes)
       SELECT created.*, dupes.ids AS "${SAME_OFFICE}" FROM created CROSS JOIN dupes CROSS JOIN audited`),
      params,
    )) as (CaseRow & { [SAME_OFFICE]: string[] })[];
    if (rows.length !== 1) throw new Error('the audited insert returned no row');
    audit.confirm();
    const { [SAME_OFFICE]: sameOffice, ...row } = rows[0];
    return { row: row as CaseRow, sameOffice };
  }

  /**
   * Updates the live case `id` of the actor's scope (optionally only at `version`); the number of rows
   * changed (0 or 1). `set` values may be SQL expressions given as functions, as in TypeORM.
   */
  async update(id: string, set: CaseChanges, options: { version?: number } = {}): Promise<number> {
    const scope = scopeCondition(this.actor, 'office_id');
    const qb = this.em
      .createQueryBuilder()
      .update(CaseEntity)
      .set(set)
      .where('id = :id AND erased_at IS NULL', { id })
      .andWhere(scope.where, scope.params);
    if (options.version !== undefined) qb.andWhere('version = :expected', { expected: options.version });
    return (await qb.execute()).affected ?? 0;
  }

  /**
   * UNSCOPED, on purpose: whether a case `id` exists in any office. Only to tell, in the audit event of a
   * 404, another office's case from a missing one; never returned to the caller.
   */
  existsInAnyOffice(id: string): Promise<boolean> {
    return this.em.getRepository(CaseEntity).existsBy({ id });
  }

  /**
   * UNSCOPED, on purpose: live cases of OTHER offices that may be the same person (same pseudonym or same
   * keyed phonetic key), as office codes and counts (duplicate hints, under the embargo and rate limit of
   * case-duplicates.service.ts). Never ids or content.
   */
  async otherOfficesMatching(
    match: DuplicateMatch,
  ): Promise<{ officeCode: string; officeId: string; count: number }[]> {
    const scope = officeScope(this.actor);
    if (scope.kind !== 'office') return [];
    const rows = (await this.em.query(
      `SELECT o.code AS "officeCode", o.id AS "officeId", count(*)::int AS count
         FROM cases c JOIN offices o ON o.id = c.office_id
        WHERE (c.pseudonym = $1 OR c.phonetic_key = $2) AND c.office_id <> $3 AND c.erased_at IS NULL
        GROUP BY o.code, o.id ORDER BY o.code`,
      [match.pseudonym, match.phoneticKey, scope.officeId],
    )) as { officeCode: string; officeId: string; count: number }[];
    return rows.map(({ officeCode, officeId, count }) => ({ officeCode, officeId, count }));
  }

  /** The actor's live cases, other than `exceptId`, that may be the same person (ids, oldest first). */
  async sameOfficeMatching(match: DuplicateMatch, exceptId: string): Promise<string[]> {
    const rows = await this.select(['id'])
      .andWhere(`${ALIAS}.erased_at IS NULL AND ${ALIAS}.id <> :exceptId`, { exceptId })
      .andWhere(`(${ALIAS}.pseudonym = :pseudonym OR ${ALIAS}.phonetic_key = :phoneticKey)`, {
        pseudonym: match.pseudonym,
        phoneticKey: match.phoneticKey,
      })
      .orderBy(`${ALIAS}.createdAt`, 'ASC')
      .addOrderBy(`${ALIAS}.id`, 'ASC')
      .limit(100)
      .getMany();
    return rows.map((row) => row.id);
  }
}

/** What both offices of a transfer see of its case: the pseudonym, and the wrapped key to open the reason. */
export interface TransferredCase {
  id: string;
  pseudonym: string | null;
  keyId: string | null;
  wrappedKey: Buffer | null;
}

/**
 * UNSCOPED, on purpose: transfers (case-transfers.service.ts) concern two offices, and the receiving one
 * has no access to the case until it accepts. Only these two ways, each used with a transfer of the
 * actor's office already in hand.
 */
export class TransferredCases {
  constructor(private readonly em: EntityManager) {}

  /** Pseudonym and wrapped key of the cases of the actor's office's transfers (never other content). */
  async keysOf(ids: readonly string[]): Promise<Map<string, TransferredCase>> {
    if (ids.length === 0) return new Map();
    const rows = await this.em
      .createQueryBuilder(CaseEntity, ALIAS)
      .select([`${ALIAS}.id`, `${ALIAS}.pseudonym`, `${ALIAS}.keyId`, `${ALIAS}.wrappedKey`])
      .where(`${ALIAS}.id IN (:...ids)`, { ids: [...new Set(ids)] })
      .getMany();
    return new Map(rows.map((row) => [row.id, row as TransferredCase]));
  }

  /**
   * Accepting a pending transfer addressed to the actor's office (locked by the caller): the live case
   * moves from `fromOfficeId` to `toOfficeId`, its row locked first. Whether it moved (false once erased
   * or no longer in the sending office).
   */
  async move(id: string, fromOfficeId: string, toOfficeId: string): Promise<boolean> {
    const locked = await this.em
      .createQueryBuilder(CaseEntity, ALIAS)
      .select([`${ALIAS}.id`])
      .where(`${ALIAS}.id = :id AND ${ALIAS}.office_id = :from AND ${ALIAS}.erased_at IS NULL`, {
        id,
        from: fromOfficeId,
      })
      .setLock('pessimistic_write')
      .getOne();
    if (locked === null) return false;
    const result = await this.em
      .createQueryBuilder()
      .update(CaseEntity)
      .set({
        officeId: toOfficeId,
        version: () => 'version + 1',
        updatedAt: () => "date_trunc('milliseconds', now())",
      })
      .where('id = :id AND office_id = :from AND erased_at IS NULL', { id, from: fromOfficeId })
      .execute();
    return result.affected === 1;
  }
}

export const transferredCases = (em: EntityManager): TransferredCases => new TransferredCases(em);

/**
 * ScopedCases.insertAudited for the new cases of many actors at once, in ONE statement (creates coalesced
 * by CaseCreateService): each row in its own actor's office (never one taken from the input), returned
 * with `columns` (and its id) together with its live same-office possible duplicates as insertAudited
 * finds them, and one audit event per row from `append` (AuditService.appendEachCall, alias `e`, whose
 * `rid` is the row's id), evaluated last. Atomic as a whole: every case exists if and only if its event
 * does, and if any part fails nothing is written. As with concurrent statements, the duplicates are read in
 * the statement's snapshot, which holds none of the new cases. Answers in the order of `entries`.
 */
export async function insertAuditedEach(
  em: EntityManager,
  entries: readonly { actor: Principal; values: NewCase }[],
  columns: readonly CaseColumn[],
  append: (first: number) => AuditedAppendEach,
): Promise<{ row: CaseRow; sameOffice: string[] }[]> {
  if (entries.length === 0) return [];
  if (entries.length > MAX_CASES_PER_INSERT) throw new RangeError('too many cases for one INSERT');
  const inserted = insertColumns(em);
  const returned: CaseColumn[] = columns.includes('id') ? [...columns] : ['id', ...columns];
  const params: unknown[] = [];
  const match: unknown[][] = [[], [], [], []];
  for (const { actor, values } of entries) {
    const scope = officeScope(actor);
    if (scope.kind !== 'office') throw new Error('only office staff create cases');
    params.push(scope.officeId);
    for (const property of inserted.properties) params.push(values[property]);
    [values.id, scope.officeId, values.pseudonym, values.phoneticKey].forEach((v, i) => match[i].push(v));
  }
  const m = params.length;
  params.push(...match);
  const audit = append(params.length + 1);
  params.push(...audit.params);
  // A text per batch size: only the sizes up to the default COALESCE_MAX take a prepared statement's name
  // (the registry is shared and bounded; a larger batch is parsed each time, a small cost beside its rows).
  const named = entries.length <= NAMED_BATCH_SIZES ? prepared : (sql: string) => sql;
  const rows = (await em.query(
    named(`WITH created AS (${insertSql(inserted.columns, entries.length)} RETURNING ${selectList(em, returned)}),
          dupes AS MATERIALIZED (SELECT m.id, ${sameOfficeIds('m.o', 'm.p', 'm.f')} AS ids
            FROM created JOIN unnest($${m + 1}::uuid[], $${m + 2}::uuid[], $${m + 3}::bpchar[], $${m + 4}::int[])
                 AS m(id, o, p, f) ON m.id = created."id"),
          audited AS MATERIALIZED (SELECT count(${audit.sql}) AS n
            FROM (SELECT e.* FROM ${audit.source} JOIN dupes ON dupes.id::text = e.rid ORDER BY e.n) e)
     SELECT created.*, dupes.ids AS "${SAME_OFFICE}"
       FROM created JOIN dupes ON dupes.id = created."id" CROSS JOIN audited`),
    params,
  )) as (CaseRow & { [SAME_OFFICE]: string[] })[];
  if (rows.length !== entries.length) throw new Error('the audited insert did not return every row');
  audit.confirm();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return entries.map(({ values }) => {
    const found = byId.get(values.id);
    if (found === undefined) throw new Error('the audited insert did not return a row');
    const { [SAME_OFFICE]: sameOffice, ...row } = found;
    return { row: row as CaseRow, sameOffice };
  });
}

/**
 * ScopedCases.findAudited for the reads of many actors at once, in ONE statement (reads coalesced by
 * CaseReader): entry i's case if it is in its actor's scope, with `columns`, else null; and for each case
 * found, and only for those, the read's audit event from `append` (AuditService.appendEachCall, alias `e`,
 * entry i its row n = i + 1; `found."property"` names the row's columns), all in the same snapshot.
 * `confirmEach(i)` is called for each entry found. Answers in the order of `entries`.
 */
export async function findAuditedEach(
  em: EntityManager,
  entries: readonly { actor: Principal; id: string }[],
  columns: readonly CaseColumn[],
  append: (first: number) => AuditedAppendEach,
): Promise<(CaseRow | null)[]> {
  const wanted: unknown[][] = [[], [], []];
  for (const { actor, id } of entries) {
    const scope = officeScope(actor);
    // 'none' matches no office: such an entry finds nothing and appends nothing, as findAudited.
    const office = scope.kind === 'office' ? scope.officeId : null;
    [id, office, scope.kind === 'all'].forEach((v, i) => wanted[i].push(v));
  }
  const audit = append(wanted.length + 1);
  const rows = (await em.query(
    prepared(`WITH found AS MATERIALIZED (
            SELECT q.n AS "${ORDINAL}", ${selectList(em, columns)}
              FROM unnest($1::uuid[], $2::uuid[], $3::bool[]) WITH ORDINALITY AS q(id, office, everywhere, n)
              JOIN cases ${ALIAS} ON ${ALIAS}.id = q.id AND (q.everywhere OR ${ALIAS}.office_id = q.office)),
          audited AS MATERIALIZED (SELECT count(${audit.sql}) AS n
            FROM ${audit.source} JOIN found ON found."${ORDINAL}" = e.n)
     SELECT found.* FROM found CROSS JOIN audited`),
    [...wanted, ...audit.params],
  )) as (CaseRow & { [ORDINAL]: string })[];
  const answers: (CaseRow | null)[] = entries.map(() => null);
  for (const { [ORDINAL]: n, ...row } of rows) {
    const index = Number(n) - 1;
    answers[index] = row as CaseRow;
    audit.confirmEach(index);
  }
  return answers;
}

/** Batch sizes of insertAuditedEach whose statements are named (prepared once per connection). */
const NAMED_BATCH_SIZES = 32;

/** The column of findAuditedEach's rows that holds the entry's place (no case property has this name). */
const ORDINAL = '__n';

/**
 * A new case's live same-office possible duplicates as a SQL array of ids, oldest first, at most 100 (the
 * rule of sameOfficeMatching), for the create statements: `office`, `pseudonym` (bpchar) and `phonetic`
 * (int) are SQL expressions of the statement (parameters or columns), never values.
 */
const sameOfficeIds = (office: string, pseudonym: string, phonetic: string): string =>
  `CASE WHEN ${pseudonym} IS NULL THEN '{}'::text[] ELSE ARRAY(
     SELECT d.id::text FROM cases d
      WHERE d.office_id = ${office} AND d.erased_at IS NULL AND (d.pseudonym = ${pseudonym} OR d.phonetic_key = ${phonetic})
      ORDER BY d.created_at, d.id LIMIT 100) END`;

/** The column of insertAudited's answer that holds the duplicates (no case property has this name). */
const SAME_OFFICE = '__sameOffice';

const selectLists = new Map<string, string>();

/**
 * `c.col AS "property", …` for `columns`, as TypeORM hydrates them (dates as YYYY-MM-DD, bigints as
 * strings); from the entity's column metadata, so a new column needs no change here.
 */
function selectList(em: EntityManager, columns: readonly CaseColumn[]): string {
  const key = columns.join(',');
  let sql = selectLists.get(key);
  if (sql === undefined) {
    const metadata = em.connection.getMetadata(CaseEntity);
    sql = columns
      .map((property) => {
        const column = metadata.findColumnWithPropertyName(property);
        if (column === undefined) throw new Error(`the case entity has no column ${property}`);
        const asText = column.type === 'date' || column.type === 'bigint';
        return `${ALIAS}."${column.databaseName}"${asText ? '::text' : ''} AS "${property}"`;
      })
      .join(', ');
    if (selectLists.size < 64) selectLists.set(key, sql);
  }
  return sql;
}

/** Columns a new case sets besides office_id (the database fills created_at, updated_at; erased_at is null). */
const NOT_INSERTED = new Set<string>(['officeId', 'createdAt', 'updatedAt', 'erasedAt']);

/** PostgreSQL allows 65,535 parameters per statement: room for 65 columns. */
export const MAX_CASES_PER_INSERT = 1000;

let insertable: { columns: string[]; properties: (keyof NewCase)[] } | undefined;

function insertColumns(em: EntityManager): { columns: string[]; properties: (keyof NewCase)[] } {
  if (insertable !== undefined) return insertable;
  const metadata = em.connection.getMetadata(CaseEntity);
  const office = metadata.findColumnWithPropertyName('officeId');
  if (office === undefined) throw new Error('the case entity has no officeId column');
  const others = metadata.columns.filter((c) => c.isInsert && !NOT_INSERTED.has(c.propertyName));
  insertable = {
    columns: [office, ...others].map((c) => `"${c.databaseName}"`),
    properties: others.map((c) => c.propertyName as keyof NewCase),
  };
  return insertable;
}

const insertStatements = new Map<number, string>();

/** `INSERT INTO cases (…) VALUES ($1, …), (…)` for `count` rows (cached per row count). */
function insertSql(columns: readonly string[], count: number): string {
  let sql = insertStatements.get(count);
  if (sql === undefined) {
    const width = columns.length;
    const tuples = Array.from(
      { length: count },
      (_, r) => `(${columns.map((_c, i) => `$${r * width + i + 1}`).join(', ')})`,
    );
    sql = `INSERT INTO cases AS ${ALIAS} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`;
    if (insertStatements.size < 32) insertStatements.set(count, sql);
  }
  return sql;
}

/** The actor's cases within the transaction of `em`: the only way the record path reaches `cases`. */
export const scopedCases = (em: EntityManager, actor: Principal): ScopedCases => new ScopedCases(em, actor);
