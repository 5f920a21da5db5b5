import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit chain, hash scheme 3 (issue 12): 16 independent chains ("stripes") instead of one, so that writers do
 * not serialize on the single chain head (measured: raw creates 1,630/s without the append, 300/s with it).
 *
 * - A transaction appends to one stripe: the first free one from `pg_backend_pid() % 16` on (row lock with
 *   SKIP LOCKED; it waits only when all 16 are held), and every later event of the same transaction goes to
 *   the same stripe (remembered in the transaction-local setting `ctr.audit_stripe`). The stripe's head row
 *   (audit_stripe_heads) is locked to commit, so each stripe is gapless in its own `stripe_seq` and each of
 *   its events links to the previous one of the stripe.
 * - `seq` stays the global order (paging, cursors, filters): taken from the sequence audit_seq under the
 *   stripe lock, so it increases along every stripe. It is unique, never reused, and may have holes (a
 *   rolled-back append); gaplessness is per stripe.
 * - hash = SHA-256("v3|" || prev_hash || "|" || stripe || "|" || stripe_seq || "|" || seq || "|" || at || "|"
 *   || audit_content_v2(...)): the v2 content, the position in the stripe and the global seq (a reordering
 *   across stripes changes a hashed seq). resource_count is stored (the side table is read only for events
 *   that have resource ids; the count is hashed, the ids' digest too).
 * - Events written before this migration (schemes 1 and 2, stripe NULL) form the legacy chain, verified as
 *   before; audit_head keeps its head (frozen from now on) and every stripe starts from it: its first event's
 *   prev_hash is the legacy head hash, so the legacy tail is anchored by every stripe.
 * - Signed checkpoints become a vector of the 16 heads (audit_checkpoints.heads), so truncating one stripe's
 *   tail disagrees with a checkpoint.
 */
export class AuditStripes1797010000000 implements MigrationInterface {
  name = 'AuditStripes1797010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_events
        ADD COLUMN stripe smallint,
        ADD COLUMN stripe_seq bigint,
        ADD COLUMN resource_count integer`);
    await q.query(
      `CREATE UNIQUE INDEX audit_events_stripe_idx ON audit_events (stripe, stripe_seq) WHERE stripe IS NOT NULL`,
    );
    await q.query(`CREATE SEQUENCE audit_seq AS bigint MINVALUE 0 START WITH 1`);
    await q.query(`
      SELECT setval('audit_seq', greatest((SELECT seq FROM audit_head), coalesce((SELECT max(seq) FROM audit_events), 0)))`);
    await q.query(`
      CREATE TABLE audit_stripe_heads (
        stripe smallint PRIMARY KEY CHECK (stripe >= 0 AND stripe < 16),
        stripe_seq bigint NOT NULL,
        seq bigint NOT NULL,
        hash char(64) NOT NULL
      )`);
    await q.query(`
      INSERT INTO audit_stripe_heads (stripe, stripe_seq, seq, hash)
      SELECT s, 0, h.seq, h.hash FROM generate_series(0, 15) s, audit_head h`);
    await q.query(`
      CREATE FUNCTION audit_stripe_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' OR NEW.stripe <> OLD.stripe OR NEW.stripe_seq <= OLD.stripe_seq THEN
          RAISE EXCEPTION 'audit_stripe_heads only move forward' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_stripe_forward_only BEFORE UPDATE OR DELETE ON audit_stripe_heads
      FOR EACH ROW EXECUTE FUNCTION audit_stripe_forward_only()`);
    await q.query(`
      CREATE TRIGGER audit_stripe_no_truncate BEFORE TRUNCATE ON audit_stripe_heads
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`ALTER TABLE audit_checkpoints ADD COLUMN heads jsonb`);

    // Same signature as before: every caller (record, appendCall, recordMany) is unchanged.
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_append_v2(
        p_actor_id uuid, p_actor_role text, p_action text, p_resource_type text, p_resource_id text,
        p_resource_ids text[], p_outcome text, p_request_id text, p_client_request_id text, p_details jsonb
      ) RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE
        v_count bigint := coalesce(cardinality(p_resource_ids), 0);
        v_mine text := current_setting('ctr.audit_stripe', true);
        v_stripe smallint;
        v_stripe_seq bigint;
        v_prev text;
        v_seq bigint;
        v_at timestamptz;
        v_hash text;
      BEGIN
        IF v_mine ~ '^[0-9]{1,2}$' AND v_mine::int < 16 THEN
          -- This transaction appended before: its stripe, whose lock it already holds.
          SELECT stripe, stripe_seq, hash INTO v_stripe, v_stripe_seq, v_prev
            FROM audit_stripe_heads WHERE stripe = v_mine::smallint FOR UPDATE;
        ELSE
          SELECT stripe, stripe_seq, hash INTO v_stripe, v_stripe_seq, v_prev
            FROM audit_stripe_heads ORDER BY (stripe + 16 - pg_backend_pid() % 16) % 16
            LIMIT 1 FOR UPDATE SKIP LOCKED;
          IF NOT FOUND THEN -- all 16 held: wait for this backend's own
            SELECT stripe, stripe_seq, hash INTO v_stripe, v_stripe_seq, v_prev
              FROM audit_stripe_heads WHERE stripe = pg_backend_pid() % 16 FOR UPDATE;
          END IF;
          PERFORM set_config('ctr.audit_stripe', v_stripe::text, true);
        END IF;
        v_stripe_seq := v_stripe_seq + 1;
        IF EXISTS (SELECT 1 FROM audit_events WHERE stripe = v_stripe AND stripe_seq = v_stripe_seq) THEN
          -- A row planted past the stripe's head: appends go on past it (verify reports the planted row).
          v_stripe_seq := (SELECT max(stripe_seq) FROM audit_events WHERE stripe = v_stripe) + 1;
        END IF;
        v_seq := nextval('audit_seq');
        IF EXISTS (SELECT 1 FROM audit_events WHERE seq = v_seq) THEN
          -- A row planted past the sequence: past every row, so that a seq is never reused nor an append blocked.
          v_seq := (SELECT max(seq) FROM audit_events) + 1;
          PERFORM setval('audit_seq', v_seq);
        END IF;
        v_at := date_trunc('milliseconds', clock_timestamp());
        v_hash := encode(sha256(convert_to(
          'v3|' || v_prev || '|' || v_stripe || '|' || v_stripe_seq || '|' || v_seq || '|' ||
          to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|' ||
          audit_content_v2(p_actor_id, p_actor_role, p_action, p_resource_type, p_resource_id, v_count,
            CASE WHEN v_count > 0
              THEN encode(sha256(convert_to(array_to_string(p_resource_ids, E'\\n'), 'UTF8')), 'hex') END,
            p_outcome, p_request_id, p_client_request_id, p_details), 'UTF8')), 'hex');
        UPDATE audit_stripe_heads SET stripe_seq = v_stripe_seq, seq = v_seq, hash = v_hash
         WHERE stripe = v_stripe;
        INSERT INTO audit_events
          (seq, at, actor_id, actor_role, action, resource_type, resource_id, outcome, request_id,
           client_request_id, details, prev_hash, hash, hash_version, stripe, stripe_seq, resource_count)
        VALUES (v_seq, v_at, p_actor_id, p_actor_role, p_action, p_resource_type, p_resource_id, p_outcome,
                p_request_id, p_client_request_id, p_details, v_prev, v_hash, 3, v_stripe, v_stripe_seq, v_count);
        IF v_count > 0 THEN
          INSERT INTO audit_event_resources (seq, pos, resource_id)
          SELECT v_seq, u.pos, u.id FROM unnest(p_resource_ids) WITH ORDINALITY AS u(id, pos);
        END IF;
        RETURN v_seq;
      END $$`);
    await q.query(`GRANT SELECT ON audit_stripe_heads TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The scheme-2 append of migration 1796100000000, continuing the legacy chain from audit_head (events of
    // scheme 3 stay in the table and no longer verify once it runs: down is for development only).
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_append_v2(
        p_actor_id uuid, p_actor_role text, p_action text, p_resource_type text, p_resource_id text,
        p_resource_ids text[], p_outcome text, p_request_id text, p_client_request_id text, p_details jsonb
      ) RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
      DECLARE
        v_count bigint := coalesce(cardinality(p_resource_ids), 0);
        v_seq bigint;
        v_prev text;
        v_at timestamptz;
        v_hash text;
      BEGIN
        SELECT seq, hash INTO v_seq, v_prev FROM audit_head FOR UPDATE;
        v_seq := greatest(v_seq, coalesce((SELECT max(seq) FROM audit_events), 0)) + 1;
        v_at := date_trunc('milliseconds', clock_timestamp());
        v_hash := encode(sha256(convert_to(
          'v2|' || v_prev || '|' || v_seq || '|' ||
          to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|' ||
          audit_content_v2(p_actor_id, p_actor_role, p_action, p_resource_type, p_resource_id, v_count,
            CASE WHEN v_count > 0
              THEN encode(sha256(convert_to(array_to_string(p_resource_ids, E'\\n'), 'UTF8')), 'hex') END,
            p_outcome, p_request_id, p_client_request_id, p_details), 'UTF8')), 'hex');
        UPDATE audit_head SET seq = v_seq, hash = v_hash;
        INSERT INTO audit_events
          (seq, at, actor_id, actor_role, action, resource_type, resource_id, outcome, request_id,
           client_request_id, details, prev_hash, hash, hash_version)
        VALUES (v_seq, v_at, p_actor_id, p_actor_role, p_action, p_resource_type, p_resource_id, p_outcome,
                p_request_id, p_client_request_id, p_details, v_prev, v_hash, 2);
        IF v_count > 0 THEN
          INSERT INTO audit_event_resources (seq, pos, resource_id)
          SELECT v_seq, u.pos, u.id FROM unnest(p_resource_ids) WITH ORDINALITY AS u(id, pos);
        END IF;
        RETURN v_seq;
      END $$`);
    await q.query(`ALTER TABLE audit_checkpoints DROP COLUMN heads`);
    await q.query(`DROP TABLE audit_stripe_heads`);
    await q.query(`DROP FUNCTION audit_stripe_forward_only()`);
    await q.query(`DROP SEQUENCE audit_seq`);
    await q.query(`DROP INDEX audit_events_stripe_idx`);
    await q.query(
      `ALTER TABLE audit_events DROP COLUMN stripe, DROP COLUMN stripe_seq, DROP COLUMN resource_count`,
    );
  }
}
