import { ROLES } from './roles.js';
import { seesUserField } from './user-fields.js';

describe('user fields', () => {
  it.each(ROLES.map((role) => [role]))('researchBudget is seen by the admin alone (%s)', (role) => {
    expect(seesUserField(role, 'researchBudget')).toBe(role === 'admin');
  });
});
