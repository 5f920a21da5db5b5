import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10: the readiness check reads which migrations ran (as ctr_app), and login throttling remembers the
 * clients an account last logged in from successfully (they skip the per-account delay and the per-client
 * limit). Keys are keyed hashes: neither typed usernames nor addresses are stored in clear.
 */
export class Robustness1796200000000 implements MigrationInterface {
  name = 'Robustness1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`GRANT SELECT ON migrations TO ctr_app`);
    await q.query(`
      CREATE TABLE login_trusted_clients (
        key char(64) PRIMARY KEY,
        last_success_at timestamptz NOT NULL
      )`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON login_trusted_clients TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE login_trusted_clients`);
    await q.query(`REVOKE SELECT ON migrations FROM ctr_app`);
  }
}
