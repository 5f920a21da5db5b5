import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * A number from the environment within [min, max]. Every refusal names the range (`must be an integer from
 * 1 to 65535`): not a number, not an integer, too small or too large alike. `below` replaces the message of
 * a value under `min` when there is more to say.
 */
const numberIn = (min: number, max: number, options: { integer?: boolean; below?: string } = {}) => {
  const range = `must be ${options.integer ? 'an integer' : 'a number'} from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}`;
  const number = z.coerce.number({ error: range });
  return (options.integer ? number.int(range) : number).min(min, options.below ?? range).max(max, range);
};

const int = (min: number, max: number, fallback: number) =>
  numberIn(min, max, { integer: true }).default(fallback);

/**
 * Which proxies may set X-Forwarded-For: `false` (none, the default), a hop count (`1`: the nearest proxy),
 * or a comma-separated list of addresses and CIDR ranges. `true` (trust anyone) is refused: any client could
 * then choose its own address and escape per-client throttling.
 */
const trustProxy = z
  .string()
  .trim()
  .default('false')
  .transform((v, ctx): false | number | string[] => {
    if (v === 'false' || v === '') return false;
    if (/^\d+$/.test(v)) return Number(v);
    const entries = v.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !isAddressOrRange(e));
    if (v === 'true' || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be false, a hop count, or a comma-separated list of proxy addresses or CIDR ranges (true would trust any client)',
      });
      return z.NEVER;
    }
    return entries;
  });

function isAddressOrRange(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  const max = isIP(address) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

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
  TRUST_PROXY: trustProxy,
  REQUEST_TIMEOUT_MS: int(1000, 600_000, 30_000),
  HEADERS_TIMEOUT_MS: int(1000, 600_000, 10_000),
  KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000, 5_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000, 10_000),
  RATE_LIMIT_PER_ACCOUNT: int(100, 1_000_000, 200),
  RATE_LIMIT_PER_CLIENT: int(10, 1_000_000, 100),
  RATE_LIMIT_WINDOW_MS: int(100, 3_600_000, 1_000),
  DENIAL_SUMMARY_SECONDS: int(1, 3600, 60),

  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATABASE_RUNTIME_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  EMBEDDED_DB_DIR: z.string().default('.data/pg'),
  /** Unset: a free port is chosen at each start. */
  EMBEDDED_DB_PORT: numberIn(1024, 65535, { integer: true }).optional(),
  DB_POOL_SIZE: int(1, 500, 20),
  /** 0: an idle connection is kept (the pool stays at the size it has reached). */
  DB_POOL_IDLE_TIMEOUT_MS: int(0, 86_400_000, 0),
  DB_CONNECT_TIMEOUT_MS: int(100, 120_000, 5_000),
  DB_STATEMENT_TIMEOUT_MS: int(100, 3_600_000, 30_000),
  /**
   * Request coalescing, per path (creates without an Idempotency-Key; reads of one case): at most this many
   * statements of the path run at once; the requests that arrive while all are running are served together
   * by one statement (each with its own audit event) when one ends, at most COALESCE_MAX in one. A lone
   * request never waits; one that waits DB_CONNECT_TIMEOUT_MS for a free statement is a 503 and never runs.
   * COALESCE_MAX=1 turns the coalescing off. bench/README.md has the measurements
   * behind the defaults (2 cores: 1 in flight served the most creates, 8 the fewest; 2 keeps a second lane
   * should one statement stall).
   */
  COALESCE_IN_FLIGHT: int(1, 64, 2),
  COALESCE_MAX: int(1, 1000, 32),

  /** Two-person rule for accounts with access to identity; unset: on in production, off otherwise. */
  TWO_PERSON_RULE: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  BOOTSTRAP_ADMIN_USERNAME: z.string().trim().min(3).max(64).default('admin'),
  BOOTSTRAP_ADMIN_PASSWORD: optionalString.pipe(z.string().min(12).max(128).optional()),

  K_ANONYMITY_THRESHOLD: numberIn(2, 1000, {
    integer: true,
    below: 'must be an integer from 2 to 1,000: a threshold of 1 releases single individuals',
  }).default(11),

  /** ρ (zCDP) each researcher may spend per approval period (docs/DISCLOSURE.md justifies the default). */
  AGGREGATE_RESEARCHER_BUDGET_RHO: numberIn(0, 100).default(0.33),
  /** ρ all researchers together may spend on new releases per calendar year (UTC), against collusion. */
  AGGREGATE_GLOBAL_BUDGET_RHO: numberIn(0, 10_000).default(5),
  /** σ of the noise when a query names no accuracy. */
  AGGREGATE_DEFAULT_SIGMA: numberIn(1, 10_000).default(10),
  /**
   * Aggregate answers computed at once (a scan, then the protection); more wait in line (up to 64, 20 s each,
   * then 503 SERVICE_BUSY). Default: half the cores (at least 1), so that researchers never take every core
   * from caseworkers.
   */
  AGGREGATE_CONCURRENCY: int(1, 64, Math.max(1, Math.floor(availableParallelism() / 2))),

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
  NOISE_PRF_KEY: optionalString,
  JWT_ISSUER: z.string().default('ctr-case-api'),
  JWT_AUDIENCE: z.string().default('ctr-case-api'),
  JWT_TTL_SECONDS: int(60, 24 * 3600, 900),

  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(3, 1000, 10),
  LOGIN_MAX_FAILURES_PER_CLIENT: int(3, 10000, 50),
  LOGIN_THROTTLE_WINDOW_SECONDS: int(10, 24 * 3600, 300),

  EXPORT_SCRYPT_WORK_FACTOR: int(10, 22, 18),
  DUPLICATE_HINT_EMBARGO_HOURS: int(0, 24 * 30, 24),
  DUPLICATE_LOOKUPS_PER_MINUTE: int(1, 1000, 10),
  /** Failures of one account from all clients after which each further attempt is delayed (never refused). */
  LOGIN_ACCOUNT_DELAY_AFTER: int(1, 100_000, 20),
  LOGIN_ACCOUNT_DELAY_MAX_MS: int(0, 60_000, 4_000),
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
