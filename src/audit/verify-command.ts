/**
 * `npm run audit:verify -- export.ndjson --public-key key.pem [--public-key old.pem] [--chain-key BASE64]`
 *
 * Verifies an audit export without the database or the service: recomputes the chain, checks every
 * checkpoint signature with the given public key(s) (GET /v1/audit/public-key), and reports the first bad
 * seq. Prints a JSON report; exits 0 when the export verifies, 1 when it does not, 2 on a usage error.
 * `-` reads the export from standard input. --chain-key (AUDIT_CHAIN_KEY) also checks scheme-1 events.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { parseKey, parsePublicKeysPem, type VerifyingKey } from '../crypto/index.js';
import { ExportVerifier } from './export-verifier.js';

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run audit:verify -- <export.ndjson|-> --public-key <key.pem> [--public-key <key.pem>] [--chain-key <base64>]\n`,
  );
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  let file: string | undefined;
  const keys: VerifyingKey[] = [];
  let chainKey: Buffer | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--public-key') {
      const path = argv[++i] ?? usage('--public-key needs a file');
      try {
        keys.push(...parsePublicKeysPem(fs.readFileSync(path, 'utf8')));
      } catch (error) {
        usage(`--public-key ${path}: ${(error as Error).message}`);
      }
    } else if (arg === '--chain-key') {
      try {
        chainKey = parseKey('--chain-key', argv[++i] ?? '');
      } catch (error) {
        usage((error as Error).message);
      }
    } else if (arg.startsWith('--')) {
      usage(`unknown option ${arg}`);
    } else if (file === undefined) {
      file = arg;
    } else {
      usage('only one export file');
    }
  }
  if (file === undefined) usage('no export file');
  if (keys.length === 0) usage('no --public-key');
  const verifier = new ExportVerifier(keys, chainKey);
  const input = file === '-' ? process.stdin : fs.createReadStream(file);
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) verifier.add(line);
  const result = verifier.finish();
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit:verify failed: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
