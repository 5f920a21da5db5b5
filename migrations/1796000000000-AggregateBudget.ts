import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Budgeted noise for aggregate answers (issue 8):
 * - the cell-key perturbation is replaced, so the per-record `record_key` goes (noise never depends on
 *   which records are counted any more);
 * - `aggregate_answers`: one stored answer per (canonical query, data version); an identical repeat returns
 *   it and costs nothing;
 * - `aggregate_receipts`: which researcher has received which stored answer (and what it cost them);
 * - `research_ledger`: one row per budget scope and period, locked while a charge is decided (the charges
 *   themselves are the `aggregate.query` audit events, inside the tamper-evident chain);
 * - `users.research_budget_rho`: an admin's per-researcher override of the default budget.
 */
export class AggregateBudget1796000000000 implements MigrationInterface {
  name = 'AggregateBudget1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN record_key`);
    await q.query(
      `ALTER TABLE users ADD COLUMN research_budget_rho numeric(14, 9) CHECK (research_budget_rho >= 0)`,
    );
    await q.query(`
      CREATE TABLE aggregate_answers (
        id uuid PRIMARY KEY,
        query_hash char(64) NOT NULL CHECK (query_hash ~ '^[0-9a-f]{64}$'),
        data_version varchar(64) NOT NULL,
        rho_nano bigint NOT NULL CHECK (rho_nano >= 0),
        answer jsonb NOT NULL,
        counted_at timestamptz NOT NULL,
        created_by uuid NOT NULL REFERENCES users(id),
        UNIQUE (query_hash, data_version)
      )`);
    await q.query(`
      CREATE TABLE aggregate_receipts (
        user_id uuid NOT NULL REFERENCES users(id),
        answer_id uuid NOT NULL REFERENCES aggregate_answers(id),
        charged_nano bigint NOT NULL CHECK (charged_nano >= 0),
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, answer_id)
      )`);
    await q.query(`
      CREATE TABLE research_ledger (
        scope varchar(64) NOT NULL,
        period_end date NOT NULL,
        opened_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, period_end)
      )`);
    await q.query(`GRANT SELECT, INSERT ON aggregate_answers, aggregate_receipts TO ctr_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON research_ledger TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE research_ledger`);
    await q.query(`DROP TABLE aggregate_receipts`);
    await q.query(`DROP TABLE aggregate_answers`);
    await q.query(`ALTER TABLE users DROP COLUMN research_budget_rho`);
    await q.query(
      `ALTER TABLE cases ADD COLUMN record_key bigint NOT NULL DEFAULT floor(random() * 4294967296)::bigint
         CHECK (record_key BETWEEN 0 AND 4294967295)`,
    );
    await q.query(`ALTER TABLE cases ALTER COLUMN record_key DROP DEFAULT`);
  }
}
