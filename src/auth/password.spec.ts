import {
  dummyPasswordHash,
  hashPassword,
  NO_PASSWORD,
  isPasswordHash,
  verificationHash,
  verifyPassword,
} from './password.js';

/** The cost parameters of an argon2 hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash). */
const costOf = (hash: string) => hash.split('$').slice(1, 4).join('$');

describe('password verification', () => {
  it('an account pending enrollment is checked against a hash of the same argon2 cost as a real password', async () => {
    const real = await hashPassword('correct-horse-battery');
    expect(isPasswordHash(NO_PASSWORD)).toBe(false);
    const used = await verificationHash(NO_PASSWORD);
    expect(isPasswordHash(used)).toBe(true);
    expect(costOf(used)).toBe(costOf(real));
    expect(costOf(used).split('$')[2].split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
    // A stored hash is used as it is.
    expect(await verificationHash(real)).toBe(real);
  });

  it('an account without a usable password never matches, not even the dummy hash’s own password', async () => {
    expect(await verifyPassword(NO_PASSWORD, 'not-a-real-password-0000')).toBe(false);
    expect(await verifyPassword(NO_PASSWORD, '')).toBe(false);
    expect(await verifyPassword(await dummyPasswordHash(), 'not-a-real-password-0000')).toBe(true);
  });

  it('a stored hash matches its password only', async () => {
    const real = await hashPassword('correct-horse-battery');
    expect(await verifyPassword(real, 'correct-horse-battery')).toBe(true);
    expect(await verifyPassword(real, 'correct-horse-batterY')).toBe(false);
    expect(await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$broken', 'x')).toBe(false);
  });
});
