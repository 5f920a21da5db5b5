import { Column, Entity, PrimaryColumn } from 'typeorm';

export type TransferStatus = 'pending' | 'accepted' | 'rejected';

/**
 * A request to move a case to another office. `reasonCt` is the free-text reason sealed under the case's
 * data key (it may name the person): erasing the case destroys it too. At most one pending transfer per
 * case (partial unique index case_transfers_one_pending).
 */
@Entity({ name: 'case_transfers' })
export class CaseTransferEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId!: string;

  @Column({ name: 'from_office_id', type: 'uuid' })
  fromOfficeId!: string;

  @Column({ name: 'to_office_id', type: 'uuid' })
  toOfficeId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: TransferStatus;

  @Column({ name: 'reason_ct', type: 'bytea', nullable: true })
  reasonCt!: Buffer | null;

  @Column({ name: 'requested_by', type: 'uuid' })
  requestedBy!: string;

  @Column({ name: 'requested_at', type: 'timestamptz', insert: false, update: false })
  requestedAt!: Date;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;
}
