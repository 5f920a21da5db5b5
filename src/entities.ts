import { SessionEntity } from './auth/session.entity.js';
import { CaseTransferEntity } from './cases/case-transfer.entity.js';
import { CaseEntity } from './cases/case.entity.js';
import { OfficeEntity } from './users/office.entity.js';
import { UserEntity } from './users/user.entity.js';

/**
 * Every entity, listed explicitly (no globs). A composition root like app.module.ts: database/ is given this
 * list by its callers and imports no feature itself.
 */
export const ENTITIES = [OfficeEntity, UserEntity, SessionEntity, CaseEntity, CaseTransferEntity];
