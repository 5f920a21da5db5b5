import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Caseworker workflows (issue 13) and the limits of duplicate hints (issue 11):
 * - case_transfers: a request to move a case to another office, accepted or rejected by the receiving
 *   office. At most one pending transfer per case (a partial unique index). The free-text reason is sealed
 *   under the case's data key (it may name the person), so erasure destroys it with the case.
 * - cases.phonetic_key: a keyed, truncated hash of the phonetic forms of the names and the date of birth,
 *   for possible-duplicate hints; NULL once erased. Rows created before this migration have none.
 * - cases.duplicates_confirmed_at/by: a supervisor's release of cross-office hints before the embargo ends.
 * - duplicate_lookups: one row per cross-office duplicate lookup, for the per-user rate limit.
 */
export class Workflows1796500000000 implements MigrationInterface {
  name = 'Workflows1796500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_transfers (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES cases(id),
        from_office_id uuid NOT NULL REFERENCES offices(id),
        to_office_id uuid NOT NULL REFERENCES offices(id),
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
        reason_ct bytea,
        requested_by uuid NOT NULL REFERENCES users(id),
        requested_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        decided_by uuid REFERENCES users(id),
        decided_at timestamptz,
        CONSTRAINT case_transfers_other_office CHECK (from_office_id <> to_office_id),
        CONSTRAINT case_transfers_decided CHECK (
          (status = 'pending') = (decided_at IS NULL) AND (decided_at IS NULL) = (decided_by IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX case_transfers_one_pending ON case_transfers (case_id) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX case_transfers_to_office_idx ON case_transfers (to_office_id, requested_at, id)`,
    );
    await q.query(
      `CREATE INDEX case_transfers_from_office_idx ON case_transfers (from_office_id, requested_at, id)`,
    );

    await q.query(`ALTER TABLE cases ADD COLUMN phonetic_key integer`);
    await q.query(`ALTER TABLE cases ADD COLUMN duplicates_confirmed_at timestamptz`);
    await q.query(`ALTER TABLE cases ADD COLUMN duplicates_confirmed_by uuid REFERENCES users(id)`);
    await q.query(
      `ALTER TABLE cases ADD CONSTRAINT cases_erased_no_phonetic CHECK (erased_at IS NULL OR phonetic_key IS NULL)`,
    );
    await q.query(
      `CREATE INDEX cases_phonetic_key_idx ON cases (phonetic_key) WHERE phonetic_key IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE duplicate_lookups (
        user_id uuid NOT NULL REFERENCES users(id),
        at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX duplicate_lookups_user_at_idx ON duplicate_lookups (user_id, at)`);

    await q.query(`GRANT SELECT, INSERT, UPDATE ON case_transfers TO ctr_app`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON duplicate_lookups TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE duplicate_lookups`);
    await q.query(`DROP INDEX cases_phonetic_key_idx`);
    await q.query(`ALTER TABLE cases DROP CONSTRAINT cases_erased_no_phonetic`);
    await q.query(`ALTER TABLE cases DROP COLUMN duplicates_confirmed_by`);
    await q.query(`ALTER TABLE cases DROP COLUMN duplicates_confirmed_at`);
    await q.query(`ALTER TABLE cases DROP COLUMN phonetic_key`);
    await q.query(`DROP TABLE case_transfers`);
  }
}
