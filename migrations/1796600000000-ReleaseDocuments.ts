import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed release documents of aggregate answers (issue 14): the exact text (canonical JSON with its signed
 * manifest) delivered to a researcher the first time they received a stored answer, so that
 * GET /v1/aggregates/answers/:queryId returns it again byte for byte, at no cost. Append-only for the
 * application role (a changed document would fail its signature anyway; the key is not in the database).
 * `answer_id` is the answer's queryId (no foreign key: the answer store may keep answers its own way).
 */
export class ReleaseDocuments1796600000000 implements MigrationInterface {
  name = 'ReleaseDocuments1796600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE aggregate_release_documents (
        user_id uuid NOT NULL REFERENCES users(id),
        answer_id uuid NOT NULL,
        released_at timestamptz NOT NULL,
        document text NOT NULL,
        PRIMARY KEY (user_id, answer_id)
      )`);
    await q.query(`GRANT SELECT, INSERT ON aggregate_release_documents TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE aggregate_release_documents`);
  }
}
