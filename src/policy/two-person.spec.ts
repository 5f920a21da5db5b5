import { changeNeedsApproval, twoPersonRuleOn } from './two-person.js';

const worker = { role: 'caseworker', officeId: 'o1', disabled: false } as const;
const auditor = { role: 'auditor', officeId: null, disabled: false } as const;

describe('two-person rule', () => {
  it('is on by default exactly in production; an explicit setting wins', () => {
    expect(twoPersonRuleOn(undefined, 'production')).toBe(true);
    expect(twoPersonRuleOn(undefined, 'development')).toBe(false);
    expect(twoPersonRuleOn(false, 'production')).toBe(false);
    expect(twoPersonRuleOn(true, 'test')).toBe(true);
  });

  it.each([
    ['moving a caseworker to another office', worker, { officeId: 'o2' }, true],
    ['promoting a caseworker to admin', worker, { role: 'admin' }, true],
    ['demoting a caseworker to auditor', worker, { role: 'auditor' }, true],
    ['giving an auditor the caseworker role', auditor, { role: 'caseworker', officeId: 'o1' }, true],
    ['enabling a disabled caseworker', { ...worker, disabled: true }, { disabled: false }, true],
    ['disabling a caseworker', worker, { disabled: true }, false],
    ['a no-op office change', worker, { officeId: 'o1' }, false],
    ['enabling an auditor', { ...auditor, disabled: true }, { disabled: false }, false],
    [
      'extending a researcher',
      { role: 'researcher', officeId: null, disabled: false },
      { approvedUntil: '2099-01-01' },
      false,
    ],
  ] as const)('%s: approval needed = %s', (_name, current, change, expected) => {
    expect(changeNeedsApproval(current, change)).toBe(expected);
  });
});
