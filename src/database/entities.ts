import { SessionEntity } from '../auth/session.entity.js';
import { CaseTransferEntity } from '../cases/case-transfer.entity.js';
import { CaseEntity } from '../cases/case.entity.js';
import { OfficeEntity } from '../users/office.entity.js';
import { UserEntity } from '../users/user.entity.js';

/** Every entity, listed explicitly (no globs: the same list for the app, the tests and the CLI). */
export const ENTITIES = [OfficeEntity, UserEntity, SessionEntity, CaseEntity, CaseTransferEntity];
