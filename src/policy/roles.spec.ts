import { OFFICE_SCOPED_ROLES, ROLES, isOfficeScopedRole, isRole } from './roles.js';

describe('roles', () => {
  it('are the five roles of the API', () => {
    expect(ROLES).toEqual(['caseworker', 'supervisor', 'researcher', 'auditor', 'admin']);
    expect(OFFICE_SCOPED_ROLES).toEqual(['caseworker', 'supervisor']);
  });

  it('isRole accepts exact role names only', () => {
    for (const r of ROLES) expect(isRole(r)).toBe(true);
    for (const v of ['Admin', 'root', '', 'constructor', '__proto__', null, 1]) expect(isRole(v)).toBe(false);
  });

  it('isOfficeScopedRole is true for caseworker and supervisor only', () => {
    expect(ROLES.filter(isOfficeScopedRole)).toEqual(['caseworker', 'supervisor']);
  });
});
