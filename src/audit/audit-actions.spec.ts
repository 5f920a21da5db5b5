import { AUDIT_ACTIONS, AuditDetailsError, checkDetails } from './audit-actions.js';

describe('audit details allow-list', () => {
  it('accepts only the keys listed for the action', () => {
    expect(() => checkDetails('case.update', { changedFields: ['gender'], version: 2 })).not.toThrow();
    expect(() => checkDetails('case.update', { givenName: 'x' })).toThrow(AuditDetailsError);
    expect(() => checkDetails('auth.login', { password: 'x' })).toThrow(AuditDetailsError);
  });

  it.each(AUDIT_ACTIONS)('%s allows no identity, narrative, credential or key field', (action) => {
    for (const key of [
      'givenName',
      'familyName',
      'dateOfBirth',
      'documentNumber',
      'phone',
      'address',
      'subject',
      'narrative',
      'password',
      'token',
      'accessToken',
      'key',
    ]) {
      expect(() => checkDetails(action, { [key]: 'x' })).toThrow(AuditDetailsError);
    }
  });

  it('the error names the key, never the value', () => {
    expect(() => checkDetails('case.read', { narrative: 'secret story' })).toThrow(/narrative/);
    try {
      checkDetails('case.read', { narrative: 'secret story' });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret story');
    }
  });
});
