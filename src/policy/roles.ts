export const ROLES = ['caseworker', 'supervisor', 'researcher', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles whose access to cases is limited to their own office. */
export const OFFICE_SCOPED_ROLES = ['caseworker', 'supervisor'] as const satisfies readonly Role[];
export type OfficeScopedRole = (typeof OFFICE_SCOPED_ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function isOfficeScopedRole(role: Role): role is OfficeScopedRole {
  return (OFFICE_SCOPED_ROLES as readonly Role[]).includes(role);
}
