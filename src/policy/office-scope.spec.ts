import fc from 'fast-check';
import { officeScope } from './office-scope.js';
import { ROLES, type Role } from './roles.js';

const idArb = fc.uuid();
const principalArb = fc.record({
  id: idArb,
  role: fc.constantFrom(...ROLES),
  officeId: fc.option(idArb, { nil: null }),
});

describe('officeScope', () => {
  it.each([
    ['caseworker', 'o1', { kind: 'office', officeId: 'o1' }],
    ['supervisor', 'o1', { kind: 'office', officeId: 'o1' }],
    ['caseworker', null, { kind: 'none' }],
    ['supervisor', null, { kind: 'none' }],
    ['auditor', null, { kind: 'all' }],
    ['auditor', 'o1', { kind: 'all' }],
    ['researcher', 'o1', { kind: 'none' }],
    ['researcher', null, { kind: 'none' }],
    ['admin', 'o1', { kind: 'none' }],
    ['admin', null, { kind: 'none' }],
  ] as const)('%s with office %s has scope %j', (role, officeId, expected) => {
    expect(officeScope({ id: 'u', role, officeId })).toEqual(expected);
  });

  it('an unknown role (e.g. from a tampered token) has no scope', () => {
    expect(officeScope({ id: 'u', role: 'root' as Role, officeId: 'o1' })).toEqual({ kind: 'none' });
  });

  it('caseworkers and supervisors are always limited to their own office', () => {
    fc.assert(
      fc.property(principalArb, (p) => {
        const scope = officeScope(p);
        if (p.role === 'caseworker' || p.role === 'supervisor') {
          expect(scope).toEqual(
            p.officeId === null ? { kind: 'none' } : { kind: 'office', officeId: p.officeId },
          );
        } else {
          expect(scope.kind).not.toBe('office');
        }
      }),
    );
  });
});
