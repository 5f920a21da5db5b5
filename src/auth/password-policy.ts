import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { PASSWORD_MAX, PASSWORD_MIN } from './password.js';

/**
 * The password policy (NIST SP 800-63B style: length over composition rules, and a check against
 * passwords known to attackers):
 * - at least 12 characters once leading and trailing white space is set aside, at most 128;
 * - not one character repeated, not a run of consecutive characters (`abcdefghijkl`, `987654321098`);
 * - not guessable: zxcvbn-ts with its common-password and diceware dictionaries (the maintained
 *   `@zxcvbn-ts/language-common` lists, from breach corpora) and the account's username must score
 *   at least 3 of 4 (about 10^8 guesses or more).
 * Each rule has a message naming it; no message ever contains the password.
 */
export const PASSWORD_RULES = {
  length: `password must have at least ${PASSWORD_MIN} characters, not counting leading and trailing spaces`,
  maxLength: `password must have at most ${PASSWORD_MAX} characters`,
  repeated: 'password must not be a single character repeated',
  sequential: 'password must not be a run of consecutive characters (like abcdef or 987654)',
  guessable:
    'password is too easy to guess: it is, contains or resembles a common or breached password, ' +
    'a keyboard pattern or the username; choose a longer passphrase of unrelated words',
} as const;

/** The policy in one sentence, for the OpenAPI description of password fields. */
export const PASSWORD_POLICY_TEXT =
  `At least ${PASSWORD_MIN} characters not counting leading and trailing spaces, at most ${PASSWORD_MAX}; ` +
  'not one character repeated, not a run of consecutive characters, not a common or breached password ' +
  'or one resembling the username (checked with zxcvbn-ts).';

export type PasswordRule = keyof typeof PASSWORD_RULES;

/** zxcvbn's score (0-4) a password must reach. */
export const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
const zxcvbn = (): ZxcvbnFactory =>
  (estimator ??= new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs }));

/** The first rule `password` breaks, or null when it is acceptable. `userInputs` (e.g. the username) count as known words. */
export function passwordProblem(password: string, userInputs: readonly string[] = []): PasswordRule | null {
  const chars = [...password.trim()];
  if (chars.length < PASSWORD_MIN) return 'length';
  if ([...password].length > PASSWORD_MAX) return 'maxLength';
  if (chars.every((c) => c === chars[0])) return 'repeated';
  if (isConsecutiveRun(chars)) return 'sequential';
  const inputs = userInputs.filter((input) => input.length > 0);
  if (zxcvbn().check(password, [...inputs]).score < MIN_PASSWORD_SCORE) return 'guessable';
  return null;
}

/** The message of the first rule broken, or null. */
export function passwordPolicyMessage(password: string, userInputs: readonly string[] = []): string | null {
  const rule = passwordProblem(password, userInputs);
  return rule === null ? null : PASSWORD_RULES[rule];
}

/** Every step +1, or every step -1, between code points (case folded; 9 -> 0 and 0 -> 9 wrap). */
function isConsecutiveRun(chars: readonly string[]): boolean {
  const points = chars.map((c) => c.toLowerCase().codePointAt(0) as number);
  const step = (a: number, b: number): number => {
    const zero = 0x30;
    const nine = 0x39;
    if (a === nine && b === zero) return 1;
    if (a === zero && b === nine) return -1;
    return b - a;
  };
  const first = step(points[0], points[1]);
  if (first !== 1 && first !== -1) return false;
  return points.slice(1).every((p, i) => step(points[i], p) === first);
}

/**
 * DTO validator of a new password. The username of the same body (when there is one) counts as a known
 * word. The message names the rule broken, never the value.
 */
export const IsAcceptablePassword = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isAcceptablePassword',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          if (typeof value !== 'string') return false;
          const rule = passwordProblem(value, usernameOf(args));
          if (rule !== null && args?.object) brokenRules.set(args.object, rule);
          return rule === null;
        },
        defaultMessage: (args?: ValidationArguments) => {
          if (typeof args?.value !== 'string') return 'password must be a string';
          const rule = args.object ? brokenRules.get(args.object) : undefined;
          return PASSWORD_RULES[rule ?? 'guessable'];
        },
      },
    },
    options,
  );

/** The rule a DTO's password broke, found by validate() and named by defaultMessage() (no second check). */
const brokenRules = new WeakMap<object, PasswordRule>();

function usernameOf(args?: ValidationArguments): string[] {
  const username = (args?.object as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? [username] : [];
}
