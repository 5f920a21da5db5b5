import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Key epochs (crypto-shredding that reaches copies). Case data keys are wrapped under the key of an
 * epoch (`cases.key_id` names it); the epoch keys themselves live outside the database (KEY_EPOCH_DIR),
 * so this table only lists the live epochs. The foreign key (NOT VALID: rows written before epochs name
 * a master key id until the service's first rollover re-wraps them) makes it impossible to delete an
 * epoch that a case still uses. Rows are not converted here: that needs the keys, which migrations never
 * see; the service does it at start-up (src/cases/rewrap.ts).
 *
 * Prompt vacuum of erased rows: on PostgreSQL 17+ the runtime role gets MAINTAIN on `cases`, so the
 * service can VACUUM it right after an erasure (it does not own the table); everywhere, autovacuum
 * treats `cases` as due after a single dead row.
 */
export class KeyEpochs1796300000000 implements MigrationInterface {
  name = 'KeyEpochs1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE key_epoch_seq`);
    await q.query(`
      CREATE TABLE key_epochs (
        id varchar(32) PRIMARY KEY DEFAULT ('epoch-' || nextval('key_epoch_seq')) CHECK (id ~ '^epoch-[0-9]{1,20}$'),
        started_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX cases_key_id_idx ON cases (key_id) WHERE key_id IS NOT NULL`);
    await q.query(`
      ALTER TABLE cases ADD CONSTRAINT cases_key_epoch_fk
        FOREIGN KEY (key_id) REFERENCES key_epochs(id) NOT VALID`);
    await q.query(
      `ALTER TABLE cases SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1)`,
    );
    await q.query(`GRANT SELECT, INSERT, DELETE ON key_epochs TO ctr_app`);
    await q.query(`GRANT USAGE ON SEQUENCE key_epoch_seq TO ctr_app`);
    await q.query(`
      DO $$ BEGIN
        IF current_setting('server_version_num')::int >= 170000 THEN
          EXECUTE 'GRANT MAINTAIN ON cases TO ctr_app';
        END IF;
      END $$`);
  }

  /** Only before the first rollover: afterwards data keys are wrapped under epoch keys the old code cannot read. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF current_setting('server_version_num')::int >= 170000 THEN
          EXECUTE 'REVOKE MAINTAIN ON cases FROM ctr_app';
        END IF;
      END $$`);
    await q.query(`ALTER TABLE cases RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)`);
    await q.query(`ALTER TABLE cases DROP CONSTRAINT cases_key_epoch_fk`);
    await q.query(`DROP INDEX cases_key_id_idx`);
    await q.query(`DROP TABLE key_epochs`);
    await q.query(`DROP SEQUENCE key_epoch_seq`);
  }
}
