import type { Role } from './roles.js';

/**
 * Fields of a user account that only some of the roles who may list accounts (admin, auditor) see. The base
 * fields (id, username, role, officeId, approvedUntil, disabled) are everyone's who may call the route.
 */
export const USER_FIELD_READERS = {
  /** A researcher's own privacy budget (set by an admin): how much a researcher may learn is the admin's business. */
  researchBudget: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type RestrictedUserField = keyof typeof USER_FIELD_READERS;

export const seesUserField = (role: Role, field: RestrictedUserField): boolean =>
  (USER_FIELD_READERS[field] as readonly Role[]).includes(role);
