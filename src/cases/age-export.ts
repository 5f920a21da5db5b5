/**
 * Encryption of exports in the `age` format (age-encryption.org/v1) to a passphrase (scrypt recipient),
 * with FiloSottile's `age-encryption` (typage) implementation, so that a file opens with the standard
 * `age -d` tool. Streamed: plaintext is encrypted chunk by chunk (age's STREAM of 64 KiB ChaCha20-Poly1305
 * chunks) as it is produced, never held whole.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { Encrypter } from 'age-encryption';

/** A passphrase shorter than this is refused (400). */
export const MIN_PASSPHRASE_LENGTH = 12;
export const MAX_PASSPHRASE_LENGTH = 1024;

/** scrypt work factor (log2 N) of the file's passphrase stanza: age's own default. */
export const SCRYPT_WORK_FACTOR = 18;

const encoder = new TextEncoder();

/** The age ciphertext of the text `plaintext` yields, as a Node stream. */
export async function ageEncryptStream(
  plaintext: AsyncIterable<string>,
  passphrase: string,
  workFactor = SCRYPT_WORK_FACTOR,
): Promise<Readable> {
  const iterator = plaintext[Symbol.asyncIterator]();
  const source = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const encrypter = new Encrypter();
  encrypter.setPassphrase(passphrase);
  encrypter.setScryptWorkFactor(workFactor);
  const encrypted = await encrypter.encrypt(source);
  return Readable.fromWeb(encrypted as unknown as NodeWebReadableStream<Uint8Array>);
}
