import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The settled horizon of the audit log: audit_settled_seq() returns the largest seq S such that every event
 * with seq <= S is committed or rolled back, so that a reader paging by seq never passes an event that commits
 * later with a lower seq (since the stripes, migration 1797010000000, appends commit out of seq order: A draws
 * seq 100 on stripe 1, B draws 101 on stripe 2 and commits first).
 *
 * Why it holds: audit_append_v2 locks its stripe's head row (FOR UPDATE) before it draws a seq with
 * nextval('audit_seq'), and that lock is held to the end of its transaction. So the function
 *   1. reads the sequence first (v; every seq <= v has been drawn, by a transaction that held its stripe's
 *      lock from before the draw),
 *   2. then waits, stripe by stripe, until it can take the head row FOR SHARE: whoever held that stripe when
 *      v was read has then committed or rolled back (a seq drawn after step 1 is > v and does not matter).
 * Each share lock is taken in a subtransaction that is rolled back at once (the exception block), so it is
 * released right after it is granted, whatever transaction the caller is in: an appender waits at most for
 * that instant, and the function never holds one lock while waiting for another.
 *
 * - The wait is bounded: 3 seconds in all (lock_timeout set to what is left before each stripe, local to the
 *   function); past it, lock_not_available (55P03), which the API answers with 503 and Retry-After.
 * - Sequence semantics: last_value is the last value handed out when is_called, else the next one (a sequence
 *   never used yet: the horizon is last_value - 1). A sequence with CACHE > 1 has handed out blocks of values
 *   that backends draw later, below last_value: no horizon can be read from it, so the function refuses
 *   (as it does for an increment other than 1, which the listing's cursor rule relies on).
 * - Rows planted past the sequence (by someone with the database's superuser) are beyond the horizon until
 *   the sequence passes them (audit_append_v2 setvals past a planted row it collides with); taking max(seq)
 *   instead would let a row planted at a huge seq push every reader's cursor past all later genuine events.
 * - ctr_app may only execute it (it has SELECT on audit_stripe_heads, nothing on audit_seq).
 */
export class AuditSettledHorizon1797040000000 implements MigrationInterface {
  name = 'AuditSettledHorizon1797040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_settled_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = pg_catalog, public
        SET lock_timeout = '3s'
      AS $$
      DECLARE
        v_deadline timestamptz := clock_timestamp() + interval '3 seconds';
        v_last bigint;
        v_called boolean;
        v_left_ms bigint;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_sequence
                        WHERE seqrelid = 'public.audit_seq'::regclass AND seqcache = 1 AND seqincrement = 1) THEN
          RAISE EXCEPTION 'audit_seq must have CACHE 1 and INCREMENT 1 for the settled horizon'
            USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        SELECT last_value, is_called INTO v_last, v_called FROM audit_seq;
        IF NOT v_called THEN
          v_last := v_last - 1;
        END IF;
        FOR v_stripe IN 0..15 LOOP
          v_left_ms := ceil(extract(epoch FROM v_deadline - clock_timestamp()) * 1000);
          IF v_left_ms < 1 THEN
            RAISE EXCEPTION 'audit appends did not settle in time' USING ERRCODE = 'lock_not_available';
          END IF;
          PERFORM set_config('lock_timeout', v_left_ms || 'ms', true);
          BEGIN
            PERFORM 1 FROM audit_stripe_heads WHERE stripe = v_stripe FOR SHARE;
            RAISE EXCEPTION USING ERRCODE = 'CTH01'; -- roll back the subtransaction: the lock goes at once
          EXCEPTION WHEN SQLSTATE 'CTH01' THEN
            NULL;
          END;
        END LOOP;
        RETURN v_last;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION audit_settled_seq() FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION audit_settled_seq() TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_settled_seq()`);
  }
}
