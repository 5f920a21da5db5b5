import fc from 'fast-check';
import { PASSWORD_RULES, passwordPolicyMessage, passwordProblem } from './password-policy.js';

describe('password policy', () => {
  it.each([
    ['12 spaces', ' '.repeat(12), 'length'],
    ['11 characters padded with spaces', '   Xq7#mT2$pLw   ', 'length'],
    ['one character repeated', 'aaaaaaaaaaaa', 'repeated'],
    ['one symbol repeated', '%%%%%%%%%%%%%%%%', 'repeated'],
    ['an ascending run', 'abcdefghijklm', 'sequential'],
    ['a descending run', 'ZYXWVUTSRQPON', 'sequential'],
    ['digits wrapping from 9 to 0', '567890123456', 'sequential'],
    ['a common password with digits', 'password1234', 'guessable'],
    ['a keyboard walk', 'qwertyuiop12', 'guessable'],
    ['a breached favourite', 'iloveyou1234', 'guessable'],
    ['more than 128 characters', 'correct horse battery staple '.repeat(5), 'maxLength'],
  ])('refuses %s', (_name, password, rule) => {
    expect(passwordProblem(password)).toBe(rule);
  });

  it('refuses a password built from the username', () => {
    expect(passwordProblem('amina.haddad2024', ['amina.haddad'])).toBe('guessable');
  });

  it.each(['correct-horse-battery', 'zebra-lantern-quietly-77', 'Tr0ub4dor&3xyz-q'])('accepts %s', (pw) => {
    expect(passwordProblem(pw)).toBeNull();
  });

  it('counts length after trimming but keeps inner spaces', () => {
    expect(passwordProblem('  violet quarry 9 lamp  ')).toBeNull();
  });

  it('no message ever contains the password', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }), (password) => {
        const message = passwordPolicyMessage(password);
        if (message !== null && password.trim().length >= 4) expect(message).not.toContain(password);
        if (message !== null) expect(Object.values(PASSWORD_RULES)).toContain(message);
      }),
      { numRuns: 60 },
    );
  });
});
