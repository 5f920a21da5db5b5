/**
 * The CPU half of seeding, off the writing thread: synthetic cases (faker) and their rows (encryption,
 * pseudonym, blind indexes, derivations) for batch k+1 are built here while the main thread writes batch k.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppConfig } from '../config/app-config.js';
import type { Env } from '../config/env.schema.js';
import type { KeyMaterial } from '../config/keys.js';
import { newCaseRow } from '../cases/case-create.service.js';
import { CaseCryptoService } from '../cases/case-crypto.service.js';
import type { NewCase } from '../cases/case.repository.js';
import { newUuid } from '../crypto/index.js';
import { EpochKeyring, type EpochInfo } from '../keyring/epoch-keyring.js';
import { EpochKeyStore } from '../keyring/epoch-store.js';
import { officePicker, SyntheticCases } from './synthetic.js';

/**
 * The keys a case row needs, and nothing else: the signing keys (functions and private keys) neither
 * cross to the worker (they cannot be cloned) nor are needed there.
 */
export type SeedWorkerKeys = Pick<KeyMaterial, 'masterKeys' | 'pseudonymKey' | 'blindIndexKey' | 'epochDir'>;

export interface SeedWorkerData {
  seed: number;
  env: Env;
  keys: SeedWorkerKeys;
  /** The live key epochs (the newest wraps the new cases' data keys). */
  epochs: EpochInfo[];
  authors: { id: string; officeId: string }[];
}

export interface BatchRequest {
  start: number;
  size: number;
}

/** Buffers arrive as Uint8Arrays through structured clone. */
const buffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const data = workerData as SeedWorkerData;
const keys: SeedWorkerKeys = {
  epochDir: data.keys.epochDir,
  masterKeys: {
    currentKeyId: data.keys.masterKeys.currentKeyId,
    keys: new Map([...data.keys.masterKeys.keys].map(([id, key]) => [id, buffer(key)])),
  },
  pseudonymKey: buffer(data.keys.pseudonymKey),
  blindIndexKey: buffer(data.keys.blindIndexKey),
};
const keyring = new EpochKeyring(
  new EpochKeyStore(keys.epochDir),
  keys.masterKeys,
  data.env.KEY_EPOCH_SECONDS,
);
keyring.adopt(data.epochs);
// The worker's config holds only the keys above; nothing here signs, verifies or hashes audit events.
const crypto = new CaseCryptoService(new AppConfig(data.env, keys as KeyMaterial), keyring);
const generator = new SyntheticCases(data.seed);
const officeOf = officePicker(data.authors.length);

parentPort?.on('message', ({ start, size }: BatchRequest) => {
  const rows: NewCase[] = [];
  for (let i = 0; i < size; i++) {
    const author = data.authors[officeOf(start + i)];
    rows.push(newCaseRow(crypto, author, newUuid(), generator.next()));
  }
  parentPort?.postMessage(rows);
});
