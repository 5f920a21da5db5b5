import fc from 'fast-check';
import { ROLES } from '../policy/index.js';
import { caseScopeCondition } from './case-scope.js';

describe('caseScopeCondition', () => {
  it('limits caseworkers and supervisors to their office, auditors to nothing, others to no row', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ROLES), fc.option(fc.uuid(), { nil: null }), (role, officeId) => {
        const cond = caseScopeCondition({ id: 'u', role, officeId }, 'c.office_id');
        if ((role === 'caseworker' || role === 'supervisor') && officeId !== null) {
          expect(cond).toEqual({
            where: 'c.office_id = :scopeOfficeId',
            params: { scopeOfficeId: officeId },
          });
        } else if (role === 'auditor') {
          expect(cond).toEqual({ where: 'TRUE', params: {} });
        } else {
          expect(cond).toEqual({ where: 'FALSE', params: {} });
        }
      }),
    );
  });

  it('never puts the office id into the SQL text (always a bound parameter)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (officeId) => {
        const cond = caseScopeCondition({ id: 'u', role: 'caseworker', officeId }, 'c.office_id');
        expect(cond.where).toBe('c.office_id = :scopeOfficeId');
      }),
    );
  });
});
