import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../policy/index.js';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  username!: string;

  @Column({ name: 'password_hash', type: 'text', select: false })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ name: 'office_id', type: 'uuid', nullable: true })
  officeId!: string | null;

  /** A date (YYYY-MM-DD); access ends at the end of that UTC day. */
  @Column({ name: 'approved_until', type: 'date', nullable: true })
  approvedUntil!: string | null;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /** An admin's override of the researcher's privacy budget (zCDP rho per approval period); null = default. */
  @Column({ name: 'research_budget_rho', type: 'numeric', nullable: true })
  researchBudgetRho!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
