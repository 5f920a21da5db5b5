import { z } from 'zod';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/**
 * The one schema for every environment variable the service reads.
 * Values are validated at start-up; an invalid variable stops the process with a message naming it.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: int(1, 65535, 3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: int(1024, 10 * 1024 * 1024, 1024 * 1024),
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),

  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATABASE_RUNTIME_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  EMBEDDED_DB_DIR: z.string().default('.data/pg'),
  EMBEDDED_DB_PORT: int(1024, 65535, 54329),

  /** Two-person rule for accounts with access to identity; unset: on in production, off otherwise. */
  TWO_PERSON_RULE: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  BOOTSTRAP_ADMIN_USERNAME: z.string().trim().min(3).max(64).default('admin'),
  BOOTSTRAP_ADMIN_PASSWORD: optionalString.pipe(z.string().min(12).max(128).optional()),

  K_ANONYMITY_THRESHOLD: z.coerce
    .number({ error: 'must be an integer' })
    .int('must be an integer')
    .min(2, 'must be at least 2: a threshold of 1 releases single individuals')
    .max(1000)
    .default(11),

  KEYS_FILE: z.string().default('.data/dev-keys.json'),
  FIELD_MASTER_KEYS: optionalString,
  FIELD_MASTER_KEY_ID: optionalString,
  PSEUDONYM_KEY: optionalString,
  BLIND_INDEX_KEY: optionalString,
  JWT_SECRET: optionalString,
  AUDIT_CHAIN_KEY: optionalString,
  RELEASE_SIGNING_KEY: optionalString,
  /** Length of a key epoch: an erased case is unrecoverable from any copy at most this long after erasure. */
  KEY_EPOCH_SECONDS: int(60, 30 * 24 * 3600, 24 * 3600),
  /** Where epoch keys live (wrapped under the master key): outside the database, never backed up with it. */
  KEY_EPOCH_DIR: optionalString,
  AUDIT_SIGNING_KEYS: optionalString,
  AUDIT_SIGNING_KEY_ID: optionalString,
  AUDIT_CHECKPOINT_INTERVAL_MS: int(100, 60_000, 1000),
  JWT_ISSUER: z.string().default('ctr-case-api'),
  JWT_AUDIENCE: z.string().default('ctr-case-api'),
  JWT_TTL_SECONDS: int(60, 24 * 3600, 900),

  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(3, 1000, 10),
  LOGIN_MAX_FAILURES_PER_CLIENT: int(3, 10000, 50),
  LOGIN_THROTTLE_WINDOW_SECONDS: int(10, 24 * 3600, 300),

  EXPORT_SCRYPT_WORK_FACTOR: int(10, 22, 18),
  DUPLICATE_HINT_EMBARGO_HOURS: int(0, 24 * 30, 24),
  DUPLICATE_LOOKUPS_PER_MINUTE: int(1, 1000, 10),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError naming every invalid variable (never echoing its value). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}
