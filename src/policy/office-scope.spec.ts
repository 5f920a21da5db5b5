import fc from 'fast-check';
import { inScope, officeScope, type Principal } from './office-scope.js';
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

describe('inScope', () => {
  it('office staff see exactly their own office; auditor every office; researcher and admin none', () => {
    fc.assert(
      fc.property(principalArb, idArb, fc.boolean(), (p, otherOffice, same) => {
        const caseOffice = same && p.officeId !== null ? p.officeId : otherOffice;
        const expected =
          p.role === 'auditor'
            ? true
            : p.role === 'caseworker' || p.role === 'supervisor'
              ? p.officeId !== null && p.officeId === caseOffice
              : false;
        expect(inScope(p, caseOffice)).toBe(expected);
      }),
    );
  });

  it('a principal never reaches another office unless auditor', () => {
    fc.assert(
      fc.property(principalArb, idArb, (p: Principal, caseOffice) => {
        fc.pre(caseOffice !== p.officeId);
        expect(inScope(p, caseOffice)).toBe(p.role === 'auditor');
      }),
    );
  });

  it('is consistent with officeScope', () => {
    fc.assert(
      fc.property(principalArb, idArb, (p, caseOffice) => {
        const s = officeScope(p);
        const expected = s.kind === 'all' || (s.kind === 'office' && s.officeId === caseOffice);
        expect(inScope(p, caseOffice)).toBe(expected);
      }),
    );
  });

  it('office id comparison is exact (no case folding or trimming)', () => {
    const p: Principal = { id: 'u', role: 'caseworker', officeId: 'abc' };
    expect(inScope(p, 'abc')).toBe(true);
    for (const other of ['ABC', ' abc', 'abc ', '', 'ab']) expect(inScope(p, other)).toBe(false);
  });
});
