import argon2 from 'argon2';

/** argon2id above OWASP's minimum (19 MiB, t=2, p=1). */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, OPTIONS);

/**
 * The stored value of an account without a password until enrollment (two-person rule: a new account or a
 * reset). Not an argon2 hash: it never matches, and checking it costs what a wrong password costs.
 */
export const NO_PASSWORD = '!enrollment-pending';

const ARGON2_HASH = /^\$argon2(id|i|d)\$v=\d+\$[a-z]=\d+(,[a-z]=\d+)*\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** Whether a stored value is an argon2 hash at all (an account pending enrollment holds a placeholder). */
export const isPasswordHash = (stored: string): boolean => ARGON2_HASH.test(stored);

/**
 * The hash a login attempt is checked against: the stored hash, or — for an account with no usable password
 * (pending enrollment or a reset: a placeholder that is not a hash) — the dummy hash, so that such an attempt
 * does the same argon2 work as a wrong password (no timing oracle for pending accounts).
 */
export const verificationHash = async (stored: string): Promise<string> =>
  isPasswordHash(stored) ? stored : dummyPasswordHash();

/** Checks a password; an account without a usable password never matches (not even the dummy's password). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    const matches = await argon2.verify(await verificationHash(stored), password);
    return matches && isPasswordHash(stored);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/** A hash to verify against when the account does not exist, so that both failures take the same time. */
export const dummyPasswordHash = (): Promise<string> => (dummyHash ??= hashPassword(DUMMY_PASSWORD));

const DUMMY_PASSWORD = 'not-a-real-password-0000';
