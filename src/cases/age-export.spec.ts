import { Decrypter } from 'age-encryption';
import { ageEncryptStream } from './age-export.js';

async function* lines(n: number): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) yield `line ${i},Nguyễn\r\n`;
}

async function bytesOf(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('ageEncryptStream', () => {
  it('writes an age v1 file with a scrypt stanza that decrypts to the streamed text', async () => {
    const file = await bytesOf(await ageEncryptStream(lines(20_000), 'correct horse battery', 10));
    expect(file.subarray(0, 21).toString('latin1')).toBe('age-encryption.org/v1');
    expect(file.toString('latin1')).toContain('-> scrypt ');
    expect(file.toString('latin1')).not.toContain('Nguy');
    const decrypter = new Decrypter();
    decrypter.addPassphrase('correct horse battery');
    const text = await decrypter.decrypt(new Uint8Array(file), 'text');
    let expected = '';
    for await (const line of lines(20_000)) expected += line;
    expect(text).toBe(expected);
  });

  it('cannot be opened with another passphrase', async () => {
    const file = await bytesOf(await ageEncryptStream(lines(3), 'correct horse battery', 10));
    const decrypter = new Decrypter();
    decrypter.addPassphrase('wrong horse battery');
    await expect(decrypter.decrypt(new Uint8Array(file), 'text')).rejects.toThrow();
  });
});
