import type { Role } from './roles.js';

/**
 * The two-person rule (API.md, "Accounts with access to identity"): which account changes give or move
 * access to identity, and so take effect only once a second admin approves them. Plain functions.
 */

/** Roles whose accounts can reach identity data, directly (office staff) or by creating such accounts (admin). */
export const IDENTITY_ACCESS_ROLES: readonly Role[] = ['caseworker', 'supervisor', 'admin'];

export const hasIdentityAccess = (role: Role): boolean => IDENTITY_ACCESS_ROLES.includes(role);

/** Whether the rule is on: TWO_PERSON_RULE when set, otherwise on exactly in production. */
export function twoPersonRuleOn(setting: boolean | undefined, nodeEnv: string): boolean {
  return setting ?? nodeEnv === 'production';
}

export interface AccountState {
  role: Role;
  officeId: string | null;
  disabled: boolean;
}

export interface AccountChange {
  role?: Role;
  officeId?: string | null;
  disabled?: boolean;
  approvedUntil?: string | null;
}

/**
 * Whether a change needs a second admin: it concerns an account that has, or would get, access to
 * identity, and it changes the role or the office, or enables the account. Disabling, and changes of
 * other accounts (researchers, auditors), take effect at once.
 */
export function changeNeedsApproval(current: AccountState, change: AccountChange): boolean {
  const nextRole = change.role ?? current.role;
  if (!hasIdentityAccess(current.role) && !hasIdentityAccess(nextRole)) return false;
  if (change.role !== undefined && change.role !== current.role) return true;
  if (change.officeId !== undefined && change.officeId !== current.officeId) return true;
  return change.disabled === false && current.disabled;
}
