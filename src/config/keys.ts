import fs from 'node:fs';
import path from 'node:path';
import {
  deriveSubkey,
  ed25519FromSeed,
  generateKeyBase64,
  parseKey,
  parseMasterKeys,
  parseSigningKeys,
  type Ed25519SigningKey,
  type MasterKeyRing,
  type SigningKeyRing,
} from '../crypto/index.js';
import { ConfigError, type Env } from './env.schema.js';

export interface KeyMaterial {
  masterKeys: MasterKeyRing;
  pseudonymKey: Buffer;
  blindIndexKey: Buffer;
  jwtSecret: Buffer;
  /** Keys the scheme-1 audit chain (events before hash scheme 2); also the root of attemptedUsernameKey. */
  auditChainKey: Buffer;
  /** Signs aggregate release manifests (Ed25519); never stored in the database. */
  releaseSigningKey: Ed25519SigningKey;
  /** The directory of the epoch key store (see src/keyring/). */
  epochDir: string;
  /** Keys the hash of an attempted username (failed logins, throttle counters): derived from AUDIT_CHAIN_KEY. */
  attemptedUsernameKey: Buffer;
  /** Ed25519 keys that sign audit checkpoints (the database never sees them). */
  auditSigningKeys: SigningKeyRing;
  /** Keys the PRF from which the noise of aggregate answers is drawn (src/crypto/prf-stream.ts). */
  noisePrfKey: Buffer;
}

const KEY_VARIABLES = [
  'FIELD_MASTER_KEYS',
  'FIELD_MASTER_KEY_ID',
  'PSEUDONYM_KEY',
  'BLIND_INDEX_KEY',
  'JWT_SECRET',
  'AUDIT_CHAIN_KEY',
  'RELEASE_SIGNING_KEY',
  'AUDIT_SIGNING_KEYS',
  'AUDIT_SIGNING_KEY_ID',
  'NOISE_PRF_KEY',
] as const;
type KeyVariable = (typeof KEY_VARIABLES)[number];
type RawKeys = Record<KeyVariable, string>;

/**
 * Key material comes from the environment. Outside production, missing keys are generated once into
 * KEYS_FILE (git-ignored, mode 0600) so that a newcomer needs no set-up; in production they are required.
 */
export function resolveKeys(env: Env): KeyMaterial {
  const missing = KEY_VARIABLES.filter((name) => !env[name]);
  let raw: RawKeys;
  if (missing.length === 0) {
    raw = Object.fromEntries(KEY_VARIABLES.map((name) => [name, env[name] as string])) as RawKeys;
  } else if (env.NODE_ENV === 'production') {
    throw new ConfigError(`Invalid configuration: ${missing.join(', ')} must be set in production`);
  } else {
    raw = { ...loadOrCreateDevKeys(env.KEYS_FILE), ...definedKeys(env) };
  }
  const material = toKeyMaterial(raw);
  if (env.NODE_ENV === 'production' && !env.KEY_EPOCH_DIR) {
    throw new ConfigError('Invalid configuration: KEY_EPOCH_DIR must be set in production');
  }
  return { ...material, epochDir: env.KEY_EPOCH_DIR ?? DEV_EPOCH_DIR };
}

/** Outside production, epoch keys live next to the dev key file. */
const DEV_EPOCH_DIR = '.data/epoch-keys';

function definedKeys(env: Env): Partial<RawKeys> {
  return Object.fromEntries(KEY_VARIABLES.filter((name) => env[name]).map((name) => [name, env[name]]));
}

/** A fresh key for every key variable (the dev key file; benchmarks). */
export function generateKeys(): RawKeys {
  return {
    FIELD_MASTER_KEYS: `dev1:${generateKeyBase64()}`,
    FIELD_MASTER_KEY_ID: 'dev1',
    PSEUDONYM_KEY: generateKeyBase64(),
    BLIND_INDEX_KEY: generateKeyBase64(),
    JWT_SECRET: generateKeyBase64(),
    AUDIT_CHAIN_KEY: generateKeyBase64(),
    RELEASE_SIGNING_KEY: generateKeyBase64(),
    AUDIT_SIGNING_KEYS: `dev1:${generateKeyBase64()}`,
    AUDIT_SIGNING_KEY_ID: 'dev1',
    NOISE_PRF_KEY: generateKeyBase64(),
  };
}

/** Reads the dev key file, adding any key it lacks (a file from an older version), or creates it. */
function loadOrCreateDevKeys(file: string): RawKeys {
  let existing: Partial<RawKeys> = {};
  if (fs.existsSync(file)) {
    try {
      existing = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RawKeys>;
    } catch {
      throw new ConfigError(`Invalid configuration: KEYS_FILE ${file} is not valid JSON`);
    }
    if (KEY_VARIABLES.every((name) => existing[name])) return existing as RawKeys;
  }
  const keys: RawKeys = { ...generateKeys(), ...existing };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  return keys;
}

function toKeyMaterial(raw: RawKeys): Omit<KeyMaterial, 'epochDir'> {
  try {
    const keys = parseMasterKeys(raw.FIELD_MASTER_KEYS);
    for (const id of keys.keys()) {
      if (id.startsWith('epoch-')) throw new Error(`master key id ${id} must not start with "epoch-"`);
    }
    if (!keys.has(raw.FIELD_MASTER_KEY_ID)) {
      throw new Error('FIELD_MASTER_KEY_ID names no key of FIELD_MASTER_KEYS');
    }
    const auditChainKey = parseKey('AUDIT_CHAIN_KEY', raw.AUDIT_CHAIN_KEY);
    return {
      masterKeys: { currentKeyId: raw.FIELD_MASTER_KEY_ID, keys },
      pseudonymKey: parseKey('PSEUDONYM_KEY', raw.PSEUDONYM_KEY),
      blindIndexKey: parseKey('BLIND_INDEX_KEY', raw.BLIND_INDEX_KEY),
      jwtSecret: parseKey('JWT_SECRET', raw.JWT_SECRET),
      auditChainKey,
      attemptedUsernameKey: deriveSubkey(auditChainKey, 'ctr/audit/attempted-username/v1'),
      auditSigningKeys: parseSigningKeys(
        raw.AUDIT_SIGNING_KEYS,
        raw.AUDIT_SIGNING_KEY_ID,
        'AUDIT_SIGNING_KEYS',
      ),
      releaseSigningKey: ed25519FromSeed(
        parseKey('RELEASE_SIGNING_KEY', raw.RELEASE_SIGNING_KEY),
        'RELEASE_SIGNING_KEY',
      ),
      noisePrfKey: parseKey('NOISE_PRF_KEY', raw.NOISE_PRF_KEY),
    };
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
}
