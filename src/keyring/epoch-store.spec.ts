import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateEpochKey } from '../crypto/index.js';
import { EpochKeyFileExistsError, EpochKeyStore } from './epoch-store.js';

const entry = (id: string, owner?: string) => ({
  id,
  masterKeyId: 'k1',
  wrapped: generateEpochKey(),
  ...(owner === undefined ? {} : { owner }),
});

describe('EpochKeyStore', () => {
  let store: EpochKeyStore;
  beforeEach(() => {
    store = new EpochKeyStore(fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-epoch-store-')));
  });

  it('keeps an epoch key with its owner; a file from before owners reads without one', () => {
    const owned = entry('epoch-1', 'f3c1a9de-2b4d-4c1e-9a7e-1b2c3d4e5f60');
    store.write(owned);
    expect(store.read('epoch-1')).toEqual(owned);
    const legacy = entry('epoch-2');
    fs.writeFileSync(
      path.join(store.dir, 'epoch-2.key.json'),
      JSON.stringify({ id: 'epoch-2', masterKeyId: 'k1', wrapped: legacy.wrapped.toString('base64') }),
    );
    expect(store.read('epoch-2')).toEqual(legacy);
    expect(store.list().sort()).toEqual(['epoch-1', 'epoch-2']);
  });

  it("never writes a new epoch over an existing file (another database's epoch of the same name)", () => {
    const first = entry('epoch-7', 'owner-a');
    store.write(first);
    expect(() => store.write(entry('epoch-7', 'owner-b'))).toThrow(EpochKeyFileExistsError);
    expect(store.read('epoch-7')).toEqual(first);
    // Nothing left behind by the refused write.
    expect(fs.readdirSync(store.dir)).toEqual(['epoch-7.key.json']);
  });

  it('replaces the same epoch when asked to (a key wrapped anew), and destroys it for ever', () => {
    store.write(entry('epoch-8', 'owner-a'));
    const rewrapped = entry('epoch-8', 'owner-a');
    store.write(rewrapped, { replace: true });
    expect(store.read('epoch-8')).toEqual(rewrapped);
    store.destroy('epoch-8');
    expect(store.read('epoch-8')).toBeUndefined();
    expect(fs.readdirSync(store.dir)).toEqual([]);
  });
});
