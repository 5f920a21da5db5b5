import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit chain, hash scheme 2 (issue 9): externally verifiable, and never reusing a sequence number.
 *
 * - A v2 event's hash covers its own columns directly, with no key: hash = SHA-256("v2|" || prev_hash || "|"
 *   || seq || "|" || at || "|" || audit_content_v2(...)), the content being the JSON of the columns joined
 *   by "," then "|" and the jsonb text of `details` (src/audit/hash-chain.ts computes the same). Anyone with
 *   an export can recompute it. Events written before this migration keep scheme 1 (hash_version = 1,
 *   HMAC of their content under AUDIT_CHAIN_KEY) and are never rewritten.
 * - audit_event_resources: the ids of every record an event returned or changed (a list page, an export),
 *   linked by seq, written by audit_append_v2 in the event's transaction. Their count and SHA-256 are part
 *   of the hashed content, so the side table is covered by the chain too.
 * - audit_head: the one row holding the newest seq and hash. audit_append_v2 takes its row lock (held until
 *   commit: the chain lock) and advances it, so deleting the newest events never makes a seq reusable.
 * - audit_checkpoints: Ed25519-signed checkpoints {seq, headHash, at}, signed by the service with a key the
 *   database never sees.
 * The runtime role may SELECT these tables and append only through audit_append_v2 (SECURITY DEFINER).
 */
export class AuditChainV21796100000000 implements MigrationInterface {
  name = 'AuditChainV21796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_events
        ADD COLUMN hash_version smallint NOT NULL DEFAULT 1,
        ADD COLUMN client_request_id varchar(128)`);
    await q.query(`CREATE INDEX audit_events_outcome_idx ON audit_events (outcome, seq)`);

    await q.query(`
      CREATE TABLE audit_event_resources (
        seq bigint NOT NULL,
        pos integer NOT NULL,
        resource_id varchar(200) NOT NULL,
        PRIMARY KEY (seq, pos)
      )`);
    await q.query(
      `CREATE INDEX audit_event_resources_resource_idx ON audit_event_resources (resource_id, seq)`,
    );
    await q.query(`
      CREATE TABLE audit_head (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        seq bigint NOT NULL,
        hash char(64) NOT NULL
      )`);
    await q.query(`
      INSERT INTO audit_head (seq, hash)
      SELECT coalesce(max(seq), 0),
             coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), repeat('0', 64))
        FROM audit_events`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        seq bigint NOT NULL,
        head_hash char(64) NOT NULL,
        at timestamptz NOT NULL,
        key_id varchar(32) NOT NULL,
        signature text NOT NULL,
        PRIMARY KEY (seq, key_id, at)
      )`);

    for (const table of ['audit_event_resources', 'audit_checkpoints']) {
      await q.query(`
        CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
    }
    await q.query(`
      CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' OR NEW.seq <= OLD.seq THEN
          RAISE EXCEPTION 'audit_head only moves forward' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
      FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()`);
    await q.query(`
      CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);

    // Appends one event: locks and advances the head, hashes the event's own columns (audit_content_v2),
    // and writes the resource ids to the side table. One statement under the chain lock.
    await q.query(`
      CREATE FUNCTION audit_content_v2(
        p_actor_id uuid, p_actor_role text, p_action text, p_resource_type text, p_resource_id text,
        p_resource_count bigint, p_resource_ids_hash text, p_outcome text, p_request_id text,
        p_client_request_id text, p_details jsonb
      ) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT concat_ws(',',
          coalesce(to_json(p_actor_id)::text, 'null'), coalesce(to_json(p_actor_role)::text, 'null'),
          coalesce(to_json(p_action)::text, 'null'), coalesce(to_json(p_resource_type)::text, 'null'),
          coalesce(to_json(p_resource_id)::text, 'null'), p_resource_count::text,
          coalesce(to_json(p_resource_ids_hash)::text, 'null'), coalesce(to_json(p_outcome)::text, 'null'),
          coalesce(to_json(p_request_id)::text, 'null'), coalesce(to_json(p_client_request_id)::text, 'null'))
          || '|' || p_details::text
      $$`);
    await q.query(`
      CREATE FUNCTION audit_append_v2(
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
        -- Past the head and past any row planted beyond it: a seq is never reused, an append never blocked.
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
    const signature = 'audit_append_v2(uuid, text, text, text, text, text[], text, text, text, jsonb)';
    await q.query(`REVOKE ALL ON FUNCTION ${signature} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${signature} TO ctr_app`);
    // The scheme-1 append would reuse seqs after a deletion: it goes; scheme-1 events stay verifiable.
    await q.query(`DROP FUNCTION audit_append(uuid, text, text, text, text, text, text, jsonb, text)`);
    await q.query(`REVOKE INSERT ON audit_events FROM ctr_app`);
    await q.query(`GRANT SELECT ON audit_event_resources, audit_head TO ctr_app`);
    await q.query(`GRANT SELECT, INSERT ON audit_checkpoints TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION audit_append_v2(uuid, text, text, text, text, text[], text, text, text, jsonb)`,
    );
    await q.query(
      `DROP FUNCTION audit_content_v2(uuid, text, text, text, text, bigint, text, text, text, text, jsonb)`,
    );
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`DROP TABLE audit_head`);
    await q.query(`DROP FUNCTION audit_head_forward_only()`);
    await q.query(`DROP TABLE audit_event_resources`);
    await q.query(`DROP INDEX audit_events_outcome_idx`);
    await q.query(`ALTER TABLE audit_events DROP COLUMN hash_version, DROP COLUMN client_request_id`);
    await q.query(`GRANT INSERT ON audit_events TO ctr_app`);
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
  }
}
