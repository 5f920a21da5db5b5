import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts, sessions, login throttling and the append-only audit trail.
 * Also creates the application's runtime role (ctr_app) and grants it only what the service needs.
 */
export class Platform1795870000000 implements MigrationInterface {
  name = 'Platform1795870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ctr_app') THEN
          CREATE ROLE ctr_app NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await q.query(`
      DO $$ BEGIN
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
          EXECUTE format('GRANT ctr_app TO %I', current_user);
        END IF;
      -- Without ADMIN on ctr_app, the runtime login must be set up by the DBA (DATABASE_RUNTIME_URL).
      EXCEPTION WHEN duplicate_object OR unique_violation OR insufficient_privilege THEN NULL;
      END $$`);

    await q.query(`
      CREATE TABLE offices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code varchar(32) NOT NULL UNIQUE,
        name varchar(200) NOT NULL,
        country_code char(2) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username varchar(64) NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('caseworker','supervisor','researcher','auditor','admin')),
        office_id uuid REFERENCES offices(id),
        approved_until date,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_office_required CHECK (role NOT IN ('caseworker','supervisor') OR office_id IS NOT NULL),
        CONSTRAINT users_approval_required CHECK (role <> 'researcher' OR approved_until IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE login_throttle (
        key varchar(200) PRIMARY KEY,
        failures integer NOT NULL,
        window_started_at timestamptz NOT NULL
      )`);

    await q.query(`
      CREATE TABLE audit_events (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        actor_id uuid,
        actor_role varchar(16),
        action varchar(32) NOT NULL,
        resource_type varchar(32),
        resource_id varchar(200),
        outcome varchar(8) NOT NULL CHECK (outcome IN ('allowed','denied','failed')),
        request_id varchar(128),
        details jsonb NOT NULL,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_events_at_idx ON audit_events (at, seq)`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq)`);
    await q.query(`CREATE INDEX audit_events_resource_idx ON audit_events (resource_id, seq)`);
    await q.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, seq)`);
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);

    // Appends one event to the hash chain: takes the chain lock (held until commit), reads the head,
    // and links the new event, all in one statement. The caller computes content_hash (src/audit/hash-chain.ts).
    await q.query(`
      CREATE FUNCTION audit_append(
        p_actor_id uuid, p_actor_role text, p_action text, p_resource_type text, p_resource_id text,
        p_outcome text, p_request_id text, p_details jsonb, p_content_hash text
      ) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        v_seq bigint;
        v_prev text;
        v_at timestamptz;
        v_hash text;
      BEGIN
        PERFORM pg_advisory_xact_lock(7401113);
        -- A new statement after the lock: in READ COMMITTED it sees every event committed before us.
        SELECT seq, hash INTO v_seq, v_prev FROM audit_events ORDER BY seq DESC LIMIT 1;
        v_seq := coalesce(v_seq, 0) + 1;
        v_prev := coalesce(v_prev, repeat('0', 64));
        v_at := date_trunc('milliseconds', clock_timestamp());
        v_hash := encode(sha256(convert_to(
          v_prev || '|' || v_seq || '|' ||
          to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|' || p_content_hash, 'UTF8')), 'hex');
        INSERT INTO audit_events
          (seq, at, actor_id, actor_role, action, resource_type, resource_id, outcome, request_id, details, prev_hash, hash)
        VALUES (v_seq, v_at, p_actor_id, p_actor_role, p_action, p_resource_type, p_resource_id, p_outcome,
                p_request_id, p_details, v_prev, v_hash);
        RETURN v_seq;
      END $$`);
    await q.query(
      `REVOKE ALL ON FUNCTION audit_append(uuid, text, text, text, text, text, text, jsonb, text) FROM PUBLIC`,
    );
    await q.query(
      `GRANT EXECUTE ON FUNCTION audit_append(uuid, text, text, text, text, text, text, jsonb, text) TO ctr_app`,
    );

    await q.query(`GRANT USAGE ON SCHEMA public TO ctr_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON offices, users TO ctr_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, login_throttle TO ctr_app`);
    await q.query(`GRANT SELECT, INSERT ON audit_events TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_append(uuid, text, text, text, text, text, text, jsonb, text)`);
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
    await q.query(`DROP TABLE login_throttle`);
    await q.query(`DROP TABLE sessions`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE offices`);
    await q.query(`REVOKE ALL ON SCHEMA public FROM ctr_app`);
  }
}
