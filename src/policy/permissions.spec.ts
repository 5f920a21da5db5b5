import { ROLES, type Role } from './roles.js';
import { PERMISSIONS, isPermitted, type ProtectedAction } from './permissions.js';

/**
 * The contract's "Who uses it" table (API.md), restated here independently of PERMISSIONS so that a change
 * to either one shows up as a failing row.
 */
const CONTRACT: Record<ProtectedAction, readonly Role[]> = {
  'auth.logout': ROLES,
  'auth.me': ROLES,
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
};

describe('route permissions (policy/permissions.ts) hold the contract', () => {
  const rows = (Object.keys(CONTRACT) as ProtectedAction[]).flatMap((action) =>
    ROLES.map((role) => [action, role, CONTRACT[action].includes(role)] as const),
  );

  it.each(rows)('%s by %s: permitted = %s', (action, role, expected) => {
    expect(isPermitted(action, role)).toBe(expected);
  });

  it('every protected action has a row in the contract restatement (no route without a stated rule)', () => {
    expect(Object.keys(PERMISSIONS).sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  it('no one but a supervisor erases, and no admin, researcher or auditor touches case content', () => {
    const contentActions: ProtectedAction[] = ['case.create', 'case.list', 'case.update', 'case.duplicates'];
    for (const role of ['admin', 'researcher', 'auditor'] as const) {
      for (const action of contentActions) expect(isPermitted(action, role)).toBe(false);
    }
    expect(ROLES.filter((role) => isPermitted('case.erase', role))).toEqual(['supervisor']);
  });
});
