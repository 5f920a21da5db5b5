import type { MigrationInterface, QueryRunner } from 'typeorm';

const list = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(',')}]::text[]`;

// Code lists of DATA.md, frozen into this migration (a migration never changes after landing).
const GENDERS = ['female', 'male', 'transgender', 'unknown'];
const AGE_BROAD = ['0-8', '9-17', '18-20', '21-23', '24-26', '27-29', '30-38', '39-47', '48+', 'unknown'];
const MAJORITY = ['adult', 'minor', 'unknown'];
const EXPLOITATION_TYPES = [
  'forcedLabour',
  'sexualExploitation',
  'forcedMarriage',
  'forcedMilitary',
  'organRemoval',
  'slaveryAndPractices',
  'other',
];
const LABOUR_SECTORS = [
  'agriculture',
  'aquafarming',
  'begging',
  'construction',
  'domesticWork',
  'hospitality',
  'illicitActivities',
  'manufacturing',
  'miningOrDrilling',
  'peddling',
  'transportation',
  'other',
];
const SEXUAL_EXPLOITATION_TYPES = [
  'prostitution',
  'pornography',
  'remoteInteractiveServices',
  'privateSexualServices',
];
const MEANS_OF_CONTROL = [
  'debtBondage',
  'takesEarnings',
  'restrictsFinancialAccess',
  'threats',
  'psychologicalAbuse',
  'physicalAbuse',
  'sexualAbuse',
  'falsePromises',
  'psychoactiveSubstances',
  'restrictsMovement',
  'restrictsMedicalCare',
  'excessiveWorkingHours',
  'usesChildren',
  'threatOfLawEnforcement',
  'withholdsNecessities',
  'withholdsDocuments',
  'other',
];
const RECRUITER_RELATIONSHIPS = ['intimatePartner', 'friend', 'family', 'other', 'unknown'];

/**
 * Case records: CTDC attributes in clear (for aggregates), identity and narrative sealed under a
 * per-case data key (wrapped by a master key), keyed blind indexes for exact search, a keyed pseudonym.
 * Erasure (erased_at set) destroys the wrapped key, ciphertexts, blind indexes, pseudonym and
 * attributes in one UPDATE: the row keeps only metadata. The constraints below enforce both states.
 * Also the idempotency keys of POST /v1/cases (a keyed fingerprint of the request, never its content).
 */
export class Cases1795880000000 implements MigrationInterface {
  name = 'Cases1795880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cases (
        id uuid PRIMARY KEY,
        office_id uuid NOT NULL REFERENCES offices(id),
        pseudonym char(64) CHECK (pseudonym ~ '^[0-9a-f]{64}$'),
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        created_by uuid NOT NULL REFERENCES users(id),
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        erased_at timestamptz,

        registration_date date CHECK (registration_date BETWEEN '1900-01-01' AND '2100-12-31'),
        gender varchar(16) CHECK (gender = ANY (${list(GENDERS)})),
        citizenship varchar(7) CHECK (citizenship ~ '^[A-Z]{2}$' OR citizenship = 'unknown'),
        country_of_exploitation varchar(7)
          CHECK (country_of_exploitation ~ '^[A-Z]{2}$' OR country_of_exploitation = 'unknown'),
        exploitation_types text[] CHECK (exploitation_types <@ ${list(EXPLOITATION_TYPES)}),
        means_of_control text[] CHECK (means_of_control <@ ${list(MEANS_OF_CONTROL)}),
        labour_sectors text[] CHECK (labour_sectors <@ ${list(LABOUR_SECTORS)}),
        sexual_exploitation_types text[]
          CHECK (sexual_exploitation_types <@ ${list(SEXUAL_EXPLOITATION_TYPES)}),
        recruiter_relationships text[]
          CHECK (recruiter_relationships <@ ${list(RECRUITER_RELATIONSHIPS)}),
        is_abduction boolean,
        consent_research boolean NOT NULL,
        age_broad varchar(8) CHECK (age_broad = ANY (${list(AGE_BROAD)})),
        majority_status varchar(8) CHECK (majority_status = ANY (${list(MAJORITY)})),
        year_of_registration integer CHECK (year_of_registration BETWEEN 1900 AND 2100),

        record_key bigint NOT NULL CHECK (record_key BETWEEN 0 AND 4294967295),

        key_id varchar(32),
        wrapped_key bytea,
        subject_ct bytea,
        narrative_ct bytea,
        bi_given_name integer,
        bi_family_name integer,
        bi_document_number integer,

        CONSTRAINT cases_live_complete CHECK (erased_at IS NOT NULL OR (
          pseudonym IS NOT NULL AND registration_date IS NOT NULL AND gender IS NOT NULL
          AND citizenship IS NOT NULL AND country_of_exploitation IS NOT NULL
          AND exploitation_types IS NOT NULL AND means_of_control IS NOT NULL AND labour_sectors IS NOT NULL
          AND sexual_exploitation_types IS NOT NULL AND recruiter_relationships IS NOT NULL
          AND age_broad IS NOT NULL AND majority_status IS NOT NULL AND year_of_registration IS NOT NULL
          AND key_id IS NOT NULL AND wrapped_key IS NOT NULL AND subject_ct IS NOT NULL
          AND bi_given_name IS NOT NULL)),
        CONSTRAINT cases_erased_empty CHECK (erased_at IS NULL OR (
          pseudonym IS NULL AND registration_date IS NULL AND gender IS NULL AND citizenship IS NULL
          AND country_of_exploitation IS NULL AND exploitation_types IS NULL AND means_of_control IS NULL
          AND labour_sectors IS NULL AND sexual_exploitation_types IS NULL AND recruiter_relationships IS NULL
          AND is_abduction IS NULL AND age_broad IS NULL AND majority_status IS NULL
          AND year_of_registration IS NULL AND key_id IS NULL AND wrapped_key IS NULL AND subject_ct IS NULL
          AND narrative_ct IS NULL AND bi_given_name IS NULL AND bi_family_name IS NULL
          AND bi_document_number IS NULL))
      )`);
    await q.query(`CREATE INDEX cases_office_created_idx ON cases (office_id, created_at, id)`);
    await q.query(`CREATE INDEX cases_office_updated_idx ON cases (office_id, updated_at)`);
    await q.query(`CREATE INDEX cases_office_bi_given_name_idx ON cases (office_id, bi_given_name)`);
    await q.query(`CREATE INDEX cases_office_bi_family_name_idx ON cases (office_id, bi_family_name)`);
    await q.query(
      `CREATE INDEX cases_office_bi_document_number_idx ON cases (office_id, bi_document_number)`,
    );
    await q.query(`CREATE INDEX cases_pseudonym_idx ON cases (pseudonym) WHERE pseudonym IS NOT NULL`);

    await q.query(`
      CREATE TABLE case_idempotency_keys (
        user_id uuid NOT NULL REFERENCES users(id),
        key varchar(128) NOT NULL,
        request_fingerprint char(64) NOT NULL CHECK (request_fingerprint ~ '^[0-9a-f]{64}$'),
        case_id uuid NOT NULL REFERENCES cases(id) DEFERRABLE INITIALLY DEFERRED,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);
    await q.query(`CREATE INDEX case_idempotency_keys_created_idx ON case_idempotency_keys (created_at)`);

    await q.query(`GRANT SELECT, INSERT, UPDATE ON cases TO ctr_app`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON case_idempotency_keys TO ctr_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_idempotency_keys`);
    await q.query(`DROP TABLE cases`);
  }
}
