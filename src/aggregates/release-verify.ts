/**
 * The offline release verifier behind `npm run release:verify -- answer.json [--public-key key.pem]`:
 * checks a saved aggregate answer (JSON as released, or its CSV) against the service's public release key
 * with no database and no service. Imports only pure modules (the manifest rules, crypto/, a CSV parser).
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { verifyReleaseCsv, verifyReleaseJson, type VerifyResult } from './release-manifest.js';

export const DEFAULT_PUBLIC_KEY_FILE = 'release-public-key.pem';

const USAGE =
  'usage: npm run release:verify -- <answer.json|answer.csv> [--public-key <key.pem>] [--allow-reformatted]\n' +
  `  the key is the PEM of GET /v1/aggregates/public-key (default: ./${DEFAULT_PUBLIC_KEY_FILE});\n` +
  '  --allow-reformatted accepts a JSON answer whose spacing or key order was changed (content still checked)';

export interface VerifyOutput {
  /** 0: verified; 1: not verified; 2: usage or file error. */
  exitCode: 0 | 1 | 2;
  lines: string[];
  result?: VerifyResult;
}

/** A PEM public key, or the JSON answer of GET /v1/aggregates/public-key saved as it came. */
function readPublicKey(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  if (text.trimStart().startsWith('{')) {
    const { publicKeyPem } = JSON.parse(text) as { publicKeyPem?: unknown };
    if (typeof publicKeyPem === 'string') return publicKeyPem;
  }
  return text;
}

function verifyCsvText(text: string, publicKeyPem: string): VerifyResult {
  const comments = text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('#'))
    .map((line) => line.replace(/^# ?/, ''));
  const rows = parse(text, { columns: true, comment: '#', skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return verifyReleaseCsv(comments, rows, publicKeyPem);
}

export function runVerify(argv: readonly string[]): VerifyOutput {
  const files: string[] = [];
  let keyFile = DEFAULT_PUBLIC_KEY_FILE;
  let allowReformatted = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--public-key' && i + 1 < argv.length) keyFile = argv[++i];
    else if (arg === '--allow-reformatted') allowReformatted = true;
    else if (arg.startsWith('--')) return { exitCode: 2, lines: [`unknown option ${arg}`, USAGE] };
    else files.push(arg);
  }
  if (files.length !== 1) return { exitCode: 2, lines: [USAGE] };
  let text: string;
  let publicKeyPem: string;
  try {
    text = fs.readFileSync(files[0], 'utf8');
    publicKeyPem = readPublicKey(keyFile);
  } catch (error) {
    return { exitCode: 2, lines: [`cannot read ${(error as { path?: string }).path ?? 'a file'}`, USAGE] };
  }
  let result: VerifyResult;
  try {
    result = text.trimStart().startsWith('{')
      ? verifyReleaseJson(text, publicKeyPem, { allowReformatted })
      : verifyCsvText(text, publicKeyPem);
  } catch (error) {
    return { exitCode: 2, lines: [(error as Error).message] };
  }
  const checks = Object.entries(result.checks).map(([name, ok]) => `  ${ok ? 'ok  ' : 'FAIL'} ${name}`);
  const lines = result.ok
    ? [`VERIFIED: answer ${result.queryId} was released by the key ${result.keyId}, unchanged`, ...checks]
    : ['NOT VERIFIED', ...checks, ...result.problems.map((p) => `  - ${p}`)];
  return { exitCode: result.ok ? 0 : 1, lines, result };
}
