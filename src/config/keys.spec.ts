import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from './env.schema.js';
import { resolveKeys } from './keys.js';

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keys-')), 'dev-keys.json');

describe('key material', () => {
  it('in production, every missing key is fatal and named', () => {
    expect(() => resolveKeys(parseEnv({ NODE_ENV: 'production' }))).toThrow(
      /FIELD_MASTER_KEYS, FIELD_MASTER_KEY_ID, PSEUDONYM_KEY, BLIND_INDEX_KEY, JWT_SECRET, AUDIT_CHAIN_KEY, RELEASE_SIGNING_KEY, AUDIT_SIGNING_KEYS, AUDIT_SIGNING_KEY_ID, NOISE_PRF_KEY must be set in production/,
    );
  });

  it('outside production, keys are generated once into a private file and reused', () => {
    const file = tmpFile();
    const first = resolveKeys(parseEnv({ KEYS_FILE: file }));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = resolveKeys(parseEnv({ KEYS_FILE: file }));
    expect(second.jwtSecret.equals(first.jwtSecret)).toBe(true);
    expect(second.auditChainKey.equals(first.auditChainKey)).toBe(true);
    expect(first.auditChainKey.equals(first.jwtSecret)).toBe(false);
  });

  it('a key file from an older version gets its missing keys added, keeping the others', () => {
    const file = tmpFile();
    const original = resolveKeys(parseEnv({ KEYS_FILE: file }));
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    delete stored.AUDIT_CHAIN_KEY;
    fs.writeFileSync(file, JSON.stringify(stored));
    const upgraded = resolveKeys(parseEnv({ KEYS_FILE: file }));
    expect(upgraded.pseudonymKey.equals(original.pseudonymKey)).toBe(true);
    expect(upgraded.auditChainKey).toHaveLength(32);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toHaveProperty('AUDIT_CHAIN_KEY');
  });

  it('a malformed key is refused with its variable named and its value never echoed', () => {
    const env = parseEnv({
      NODE_ENV: 'production',
      FIELD_MASTER_KEYS: 'k1:c2hvcnQ=',
      FIELD_MASTER_KEY_ID: 'k1',
      PSEUDONYM_KEY: 'c2hvcnQ=',
      BLIND_INDEX_KEY: 'c2hvcnQ=',
      JWT_SECRET: 'c2hvcnQ=',
      AUDIT_CHAIN_KEY: 'c2hvcnQ=',
      RELEASE_SIGNING_KEY: 'c2hvcnQ=',
      AUDIT_SIGNING_KEYS: 's1:c2hvcnQ=',
      AUDIT_SIGNING_KEY_ID: 's1',
      NOISE_PRF_KEY: 'c2hvcnQ=',
    });
    let message = '';
    try {
      resolveKeys(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/FIELD_MASTER_KEYS|master key/);
    expect(message).not.toContain('c2hvcnQ');
  });

  it('the release signing key is an Ed25519 key derived from its 32-byte seed, stable across restarts', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keys-')), 'dev-keys.json');
    const first = resolveKeys(parseEnv({ KEYS_FILE: file }));
    const second = resolveKeys(parseEnv({ KEYS_FILE: file }));
    expect(first.releaseSigningKey.keyId).toBe(second.releaseSigningKey.keyId);
    expect(first.releaseSigningKey.publicKeyPem).toContain('BEGIN PUBLIC KEY');
  });
});
