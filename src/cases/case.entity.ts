import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A case record as stored. Identity (`subjectCt`) and narrative (`narrativeCt`) are AES-256-GCM
 * ciphertexts under the case's data key, which is stored wrapped (`wrappedKey`) under master key
 * `keyId`. After erasure every nullable column below `erasedAt` is NULL. Never returned as is: the
 * response is built from the columns a role may read (see case-view.ts).
 */
@Entity({ name: 'cases' })
export class CaseEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'office_id', type: 'uuid' })
  officeId!: string;

  @Column({ type: 'char', length: 64, nullable: true })
  pseudonym!: string | null;

  @Column({ type: 'int' })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false, update: false })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', insert: false })
  updatedAt!: Date;

  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;

  @Column({ name: 'registration_date', type: 'date', nullable: true })
  registrationDate!: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  gender!: string | null;

  @Column({ type: 'varchar', length: 7, nullable: true })
  citizenship!: string | null;

  @Column({ name: 'country_of_exploitation', type: 'varchar', length: 7, nullable: true })
  countryOfExploitation!: string | null;

  @Column({ name: 'exploitation_types', type: 'text', array: true, nullable: true })
  exploitationTypes!: string[] | null;

  @Column({ name: 'means_of_control', type: 'text', array: true, nullable: true })
  meansOfControl!: string[] | null;

  @Column({ name: 'labour_sectors', type: 'text', array: true, nullable: true })
  labourSectors!: string[] | null;

  @Column({ name: 'sexual_exploitation_types', type: 'text', array: true, nullable: true })
  sexualExploitationTypes!: string[] | null;

  @Column({ name: 'recruiter_relationships', type: 'text', array: true, nullable: true })
  recruiterRelationships!: string[] | null;

  @Column({ name: 'is_abduction', type: 'boolean', nullable: true })
  isAbduction!: boolean | null;

  @Column({ name: 'consent_research', type: 'boolean' })
  consentResearch!: boolean;

  @Column({ name: 'age_broad', type: 'varchar', length: 8, nullable: true })
  ageBroad!: string | null;

  @Column({ name: 'majority_status', type: 'varchar', length: 8, nullable: true })
  majorityStatus!: string | null;

  @Column({ name: 'year_of_registration', type: 'int', nullable: true })
  yearOfRegistration!: number | null;

  @Column({ name: 'key_id', type: 'varchar', length: 32, nullable: true })
  keyId!: string | null;

  @Column({ name: 'wrapped_key', type: 'bytea', nullable: true })
  wrappedKey!: Buffer | null;

  @Column({ name: 'subject_ct', type: 'bytea', nullable: true })
  subjectCt!: Buffer | null;

  @Column({ name: 'narrative_ct', type: 'bytea', nullable: true })
  narrativeCt!: Buffer | null;

  @Column({ name: 'bi_given_name', type: 'int', nullable: true })
  biGivenName!: number | null;

  @Column({ name: 'bi_family_name', type: 'int', nullable: true })
  biFamilyName!: number | null;

  @Column({ name: 'bi_document_number', type: 'int', nullable: true })
  biDocumentNumber!: number | null;

  /** Keyed, truncated phonetic key of the names and date of birth (crypto/phonetic): duplicate hints. */
  @Column({ name: 'phonetic_key', type: 'int', nullable: true })
  phoneticKey!: number | null;

  /** When a supervisor released cross-office duplicate hints of this case before the embargo ended. */
  @Column({ name: 'duplicates_confirmed_at', type: 'timestamptz', nullable: true })
  duplicatesConfirmedAt!: Date | null;

  @Column({ name: 'duplicates_confirmed_by', type: 'uuid', nullable: true })
  duplicatesConfirmedBy!: string | null;
}
