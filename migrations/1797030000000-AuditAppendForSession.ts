import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The session check and the audited work in one round trip (issue 12). On the hottest routes (read and create
 * of a case) the access guard authorizes from a recently confirmed principal instead of looking the session up
 * first; the statement that does the work then appends its audit event through audit_append_for_session(),
 * which confirms in the same statement that the session is still open and its user unchanged (the view
 * current_principals, which AuthService.principalFor reads too) and else raises SQLSTATE CT401, so the statement (the write included) fails as
 * a whole and the request is answered 401. The event itself is audit_append_v2()'s, unchanged.
 *
 * SECURITY INVOKER: it reads sessions and users as the caller (ctr_app may), and audit_append_v2 is the
 * SECURITY DEFINER step.
 */
export class AuditAppendForSession1797030000000 implements MigrationInterface {
  name = 'AuditAppendForSession1797030000000';

  async up(q: QueryRunner): Promise<void> {
    // The one statement of what a valid session is: read by AuthService.principalFor and by the append below.
    await q.query(`
      CREATE VIEW current_principals AS
        SELECT s.id AS session_id, u.id AS user_id, u.username, u.role, u.office_id,
               to_char(u.approved_until, 'YYYY-MM-DD') AS approved_until
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled`);
    await q.query(`GRANT SELECT ON current_principals TO ctr_app`);
    await q.query(`
      CREATE FUNCTION audit_append_for_session(
        p_session_id uuid, p_user_id uuid, p_username text, p_role text, p_office_id uuid, p_approved_until text,
        p_actor_id uuid, p_actor_role text, p_action text, p_resource_type text, p_resource_id text,
        p_resource_ids text[], p_outcome text, p_request_id text, p_client_request_id text, p_details jsonb
      ) RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public AS $$
      BEGIN
        IF NOT EXISTS (
          SELECT 1 FROM current_principals p
           WHERE p.session_id = p_session_id AND p.user_id = p_user_id AND p.username = p_username
             AND p.role = p_role AND p.office_id IS NOT DISTINCT FROM p_office_id
             AND p.approved_until IS NOT DISTINCT FROM p_approved_until
        ) THEN
          RAISE EXCEPTION 'the session is no longer valid' USING ERRCODE = 'CT401';
        END IF;
        RETURN audit_append_v2(p_actor_id, p_actor_role, p_action, p_resource_type, p_resource_id,
          p_resource_ids, p_outcome, p_request_id, p_client_request_id, p_details);
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION audit_append_for_session(uuid, uuid, text, text, uuid, text, uuid, text,
      text, text, text, text[], text, text, text, jsonb) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION audit_append_for_session(uuid, uuid, text, text, uuid, text, uuid, text,
      text, text, text, text[], text, text, text, jsonb) TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_append_for_session(uuid, uuid, text, text, uuid, text, uuid, text, text,
      text, text, text[], text, text, text, jsonb)`);
    await q.query(`DROP VIEW current_principals`);
  }
}
