/**
 * Failure to decrypt or unwrap: unknown key, wrong key, tampered or truncated data, wrong associated data.
 * Messages are fixed texts that never contain key material, plaintext or ciphertext.
 */
export class CryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CryptoError';
  }
}
