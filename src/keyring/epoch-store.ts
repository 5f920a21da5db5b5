import fs from 'node:fs';
import path from 'node:path';
import { EPOCH_ID_PATTERN } from '../crypto/index.js';

/** One epoch key as stored: wrapped under master key `masterKeyId`. */
export interface StoredEpochKey {
  id: string;
  masterKeyId: string;
  wrapped: Buffer;
  /**
   * The database whose epoch it is (its key_store_owner id); absent in files written before owners
   * (migration 1797050000000). Only its own database's rollover ever destroys a file (EpochKeyring).
   */
  owner?: string;
}

/** A new epoch's file where a file of that name already exists (another database using the same directory). */
export class EpochKeyFileExistsError extends Error {
  override readonly name = 'EpochKeyFileExistsError';
}

const SUFFIX = '.key.json';

/**
 * The epoch key store: a directory with one file per live epoch (mode 0600, in a 0700 directory), each
 * holding that epoch's key wrapped under the master key. It lives outside the database on purpose: a
 * copy of the database (old row versions, WAL, replicas, backups) never holds an epoch key, so once an
 * epoch's file is destroyed nothing in any copy can unwrap what that epoch protected. Every replica must
 * see the same directory (a shared volume), and it must not be backed up for longer than one epoch.
 */
export class EpochKeyStore {
  constructor(readonly dir: string) {}

  /**
   * Writes an epoch's file durably (synced, then its directory). `replace` (the same epoch's key wrapped
   * anew: master key rotation, the owner stamp) writes under a temporary name and renames it into place. A
   * new epoch never takes the place of an existing file (EpochKeyFileExistsError): it is created exclusively
   * under its own name (no hard links needed: any file system). Its row commits only after this returns, so
   * a crash while writing leaves at most a partial file of an epoch that never existed.
   */
  write(entry: StoredEpochKey, { replace = false }: { replace?: boolean } = {}): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(entry.id);
    const body = JSON.stringify({
      id: entry.id,
      masterKeyId: entry.masterKeyId,
      wrapped: entry.wrapped.toString('base64'),
      ...(entry.owner === undefined ? {} : { owner: entry.owner }),
    });
    const target = replace ? `${file}.tmp-${process.pid}` : file;
    let fd: number;
    try {
      fd = fs.openSync(target, replace ? 'w' : 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || replace) throw error;
      throw new EpochKeyFileExistsError(
        `the key store ${this.dir} already holds a key file for ${entry.id}: is another database using ` +
          'this KEY_EPOCH_DIR? Give each database its own.',
      );
    }
    try {
      fs.writeSync(fd, body);
      fs.fsyncSync(fd);
    } catch (error) {
      fs.closeSync(fd);
      fs.rmSync(target, { force: true });
      throw error;
    }
    fs.closeSync(fd);
    if (replace) fs.renameSync(target, file);
    this.syncDir();
  }

  read(id: string): StoredEpochKey | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.fileOf(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = JSON.parse(text) as { id: string; masterKeyId: string; wrapped: string; owner?: string };
    if (parsed.id !== id) throw new Error(`epoch key file of ${id} names another epoch`);
    return {
      id,
      masterKeyId: parsed.masterKeyId,
      wrapped: Buffer.from(parsed.wrapped, 'base64'),
      ...(typeof parsed.owner === 'string' ? { owner: parsed.owner } : {}),
    };
  }

  /** Ids of every epoch key file present. */
  list(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((name) => name.endsWith(SUFFIX))
      .map((name) => name.slice(0, -SUFFIX.length))
      .filter((id) => EPOCH_ID_PATTERN.test(id));
  }

  /**
   * Destroys an epoch key for ever: the file is overwritten with zeros and synced before it is unlinked
   * (on a copy-on-write or journaling file system the overwrite is best effort; the key is still
   * wrapped under the master key, and the file's removal is what the guarantee rests on).
   */
  destroy(id: string): void {
    const file = this.fileOf(id);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const fd = fs.openSync(file, 'r+');
    try {
      fs.writeSync(fd, Buffer.alloc(size), 0, size, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.unlinkSync(file);
    this.syncDir();
  }

  private fileOf(id: string): string {
    if (!EPOCH_ID_PATTERN.test(id)) throw new Error('invalid epoch id');
    return path.join(this.dir, `${id}${SUFFIX}`);
  }

  private syncDir(): void {
    const fd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
