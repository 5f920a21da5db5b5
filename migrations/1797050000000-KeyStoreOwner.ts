import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Epoch key files of one database only. The key store (KEY_EPOCH_DIR, `.data/epoch-keys` in development)
 * is a directory outside the database, and until now nothing in a file said which database it belonged to:
 * - epoch ids came from a sequence, so every database named its first epoch `epoch-1`, and a second
 *   database run from the same directory (a bench, a seed, `npm start` with another DATABASE_URL) wrote its
 *   own `epoch-1.key.json` over the first's, whose cases could then never be decrypted again;
 * - the rollover destroyed every key file its database did not list (meant for a rollover interrupted
 *   after deleting an epoch's row), so it also destroyed the other database's live keys.
 * Now each database has an owner id, which the service writes into each key file it creates (and into its
 * live files that predate it); the rollover destroys only files with its own owner id (src/keyring/), and
 * new epochs get random ids, so two databases' epochs no longer share a file name.
 */
export class KeyStoreOwner1797050000000 implements MigrationInterface {
  name = 'KeyStoreOwner1797050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_store_owner (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
      )`);
    await q.query(`INSERT INTO key_store_owner DEFAULT VALUES`);
    await q.query(`GRANT SELECT ON key_store_owner TO ctr_app`);
    // 18 random digits (within the ids' pattern, ^epoch-[0-9]{1,20}$); the epochs' order is their started_at.
    await q.query(`
      ALTER TABLE key_epochs ALTER COLUMN id
        SET DEFAULT ('epoch-' || (100000000000000000 + floor(random() * 900000000000000000))::bigint::text)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE key_epochs ALTER COLUMN id SET DEFAULT ('epoch-' || nextval('key_epoch_seq'))`,
    );
    await q.query(`DROP TABLE key_store_owner`);
  }
}
