import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two-person rule for accounts with access to identity (TWO_PERSON_RULE). A change that would give
 * or move such access (creating, enabling, or changing the role or office of a caseworker, supervisor
 * or admin account, and resetting its password) is stored as a request and applied only when a second
 * admin approves it. New and reset accounts set their own password with an enrollment code made of two
 * halves, one given to the requesting admin and one to the approving admin: only their hashes are kept.
 */
export class TwoPersonRule1796300000001 implements MigrationInterface {
  name = 'TwoPersonRule1796300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_approvals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        kind varchar(16) NOT NULL CHECK (kind IN ('create', 'update', 'password_reset')),
        changes jsonb NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
        requested_by uuid NOT NULL REFERENCES users(id),
        requested_at timestamptz NOT NULL DEFAULT now(),
        decided_by uuid REFERENCES users(id),
        decided_at timestamptz,
        CONSTRAINT user_approvals_not_own CHECK (decided_by IS NULL OR decided_by <> requested_by),
        CONSTRAINT user_approvals_decided CHECK ((status = 'pending') = (decided_at IS NULL))
      )`);
    await q.query(
      `CREATE INDEX user_approvals_pending_idx ON user_approvals (requested_at) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE user_enrollments (
        user_id uuid PRIMARY KEY REFERENCES users(id),
        approval_id uuid REFERENCES user_approvals(id),
        requester_code_hash char(64) NOT NULL CHECK (requester_code_hash ~ '^[0-9a-f]{64}$'),
        approver_code_hash char(64) CHECK (approver_code_hash ~ '^[0-9a-f]{64}$'),
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON user_approvals TO ctr_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON user_enrollments TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_enrollments`);
    await q.query(`DROP TABLE user_approvals`);
  }
}
