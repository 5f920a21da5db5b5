/**
 * THE record-level rule for cases: which office's cases a principal may touch. Every query path
 * (get, list, search, update, erase, duplicates) goes through officeScope, applied to SQL in one place:
 * cases/case.repository.ts.
 */
import type { Role } from './roles.js';

export interface Principal {
  id: string;
  role: Role;
  officeId: string | null;
}

export type OfficeScope = { kind: 'office'; officeId: string } | { kind: 'all' } | { kind: 'none' };

/**
 * caseworker / supervisor: their own office (none without an office);
 * auditor: all offices (field visibility limits them to metadata and consent);
 * researcher / admin (and anything else): none.
 */
export function officeScope(principal: Principal): OfficeScope {
  switch (principal.role) {
    case 'caseworker':
    case 'supervisor':
      return typeof principal.officeId === 'string' && principal.officeId.length > 0
        ? { kind: 'office', officeId: principal.officeId }
        : { kind: 'none' };
    case 'auditor':
      return { kind: 'all' };
    case 'researcher':
    case 'admin':
      return { kind: 'none' };
    default: {
      const _exhaustive: never = principal.role;
      void _exhaustive;
      return { kind: 'none' };
    }
  }
}
