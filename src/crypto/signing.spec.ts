import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ed25519FromSeed, parseEd25519PublicKey, signEd25519, verifyEd25519 } from './signing.js';

describe('Ed25519 signing', () => {
  const key = ed25519FromSeed(randomBytes(32));

  it('signs and verifies with the published PEM only; any change to data or signature fails', () => {
    const signature = signEd25519(key, 'released values');
    expect(verifyEd25519(key.publicKeyPem, 'released values', signature)).toBe(true);
    expect(verifyEd25519(key.publicKeyPem, 'released valueS', signature)).toBe(false);
    const flipped = Buffer.from(signature, 'base64');
    flipped[0] ^= 1;
    expect(verifyEd25519(key.publicKeyPem, 'released values', flipped.toString('base64'))).toBe(false);
    expect(verifyEd25519(key.publicKeyPem, 'released values', 'not base64!')).toBe(false);
    const other = ed25519FromSeed(randomBytes(32));
    expect(verifyEd25519(other.publicKeyPem, 'released values', signature)).toBe(false);
  });

  it('is deterministic in the seed: the same seed gives the same key id and signatures (RFC 8032)', () => {
    const seed = randomBytes(32);
    const a = ed25519FromSeed(seed);
    const b = ed25519FromSeed(seed);
    expect(a.keyId).toBe(b.keyId);
    expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(signEd25519(a, 'x')).toBe(signEd25519(b, 'x'));
    expect(parseEd25519PublicKey(a.publicKeyPem).keyId).toBe(a.keyId);
  });

  it('matches RFC 8032 test vector 1 (empty message)', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const signature = Buffer.from(signEd25519(ed25519FromSeed(seed), ''), 'base64').toString('hex');
    expect(signature).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('refuses a seed of the wrong length and a public key of another type', () => {
    expect(() => ed25519FromSeed(randomBytes(31))).toThrow('32-byte');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => parseEd25519PublicKey(rsa.toString())).toThrow('not an Ed25519 key');
    expect(() => parseEd25519PublicKey('garbage')).toThrow('not a PEM public key');
  });
});
