import type { Role } from './roles.js';

/**
 * Which roles may call each protected route, keyed by the route's action (the name its audit events carry).
 * The one place route permissions are stated (API.md, "Who uses it"); `@Authenticated(action)` reads it.
 * `'any'`: every authenticated role. Record-level rules (office scope, field visibility) live beside this
 * table in policy/, not here.
 */
export const PERMISSIONS = {
  'auth.logout': 'any',
  'auth.me': 'any',
  'office.create': ['admin'],
  'office.list': ['admin', 'auditor'],
  'office.read': ['admin', 'auditor'],
  'user.create': ['admin'],
  'user.list': ['admin', 'auditor'],
  'user.read': ['admin', 'auditor'],
  'user.update': ['admin'],
  'user.approval.request': ['admin'],
  'user.approval.list': ['admin'],
  'user.approval.approve': ['admin'],
  'user.approval.reject': ['admin'],
  'case.create': ['caseworker', 'supervisor'],
  'case.list': ['caseworker', 'supervisor'],
  'case.read': ['caseworker', 'supervisor', 'auditor'],
  'case.duplicates': ['caseworker', 'supervisor'],
  'case.update': ['caseworker', 'supervisor'],
  'case.erase': ['supervisor'],
  'case.duplicates.confirm': ['supervisor'],
  'case.import': ['caseworker', 'supervisor'],
  'case.export': ['caseworker', 'supervisor'],
  'case.transfer.request': ['supervisor'],
  'case.transfer.list': ['supervisor'],
  'case.transfer.accept': ['supervisor'],
  'case.transfer.reject': ['supervisor'],
  'aggregate.query': ['researcher'],
  'aggregate.dimensions': ['researcher', 'auditor'],
  'aggregate.answer': ['researcher'],
  'aggregate.budget': ['researcher'],
  'audit.read': ['auditor'],
  'audit.export': ['auditor'],
  'audit.verify': ['auditor'],
  'audit.checkpoints': ['auditor'],
} as const satisfies Record<string, readonly Role[] | 'any'>;

export type ProtectedAction = keyof typeof PERMISSIONS;

/** The roles allowed on a route (`'any'`: every authenticated role). */
export const allowedRoles = (action: ProtectedAction): readonly Role[] | 'any' => PERMISSIONS[action];

/** Whether `role` may call the route of `action`. */
export function isPermitted(action: ProtectedAction, role: Role): boolean {
  const roles = allowedRoles(action);
  return roles === 'any' || roles.includes(role);
}
