import {
  CryptoError,
  generateEpochKey,
  unwrapEpochKey,
  wrapEpochKey,
  type MasterKeyRing,
} from '../crypto/index.js';
import { EpochKeyStore, type StoredEpochKey } from './epoch-store.js';

/** The database as the keyring needs it: a DataSource or a transaction's EntityManager. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface EpochInfo {
  id: string;
  startedAt: Date;
}

/** What a sweep of the key store found (EpochKeyring.sweepStore). */
export interface StoreSweep {
  /** Orphaned key files of this database (epochs no longer live), destroyed. */
  destroyed: string[];
  /** Live epochs' files written before owners, now stamped with this database's owner id. */
  stamped: number;
  /** Files of another database (or unreadable), left alone. */
  foreign: number;
}

/**
 * The key-encryption keys of the cases' data keys, one per epoch. The `key_epochs` table lists the
 * live epochs (the newest is current; a case's `key_id` references its epoch, so an epoch still in
 * use cannot be deleted); their keys live in the {@link EpochKeyStore}, wrapped under the master key.
 * Each process keeps the live epoch keys in memory, refreshes the list every few seconds, and forgets
 * (zeroes) a key as soon as its epoch is gone from the table.
 *
 * Creating and destroying epochs is done only by the rollover (src/cases/rewrap.ts), under its
 * advisory lock, so that no process ever sees a half-made epoch as an orphan.
 */
export class EpochKeyring {
  private readonly keys = new Map<string, Buffer>();
  private epochs: EpochInfo[] = [];
  private owner: string | undefined;

  constructor(
    readonly store: EpochKeyStore,
    private readonly masters: MasterKeyRing,
    readonly epochSeconds: number,
  ) {}

  /** The newest live epoch, or undefined before the first rollover. */
  current(): EpochInfo | undefined {
    return this.epochs.at(-1);
  }

  /** Every live epoch, oldest first. */
  live(): readonly EpochInfo[] {
    return this.epochs;
  }

  /**
   * The ring that wraps and unwraps data keys: the live epoch keys (current one first choice) and, for
   * rows not yet migrated from the scheme before epochs, the master keys. Throws before the first epoch.
   */
  dataKeyRing(): MasterKeyRing {
    const current = this.current();
    if (!current) throw new CryptoError('no key epoch yet: the key rollover has not run');
    this.ensure(current.id);
    return { currentKeyId: current.id, keys: new Map([...this.masters.keys, ...this.keys]) };
  }

  /** Loads a live epoch's key from the store if this process does not hold it yet (made by another replica). */
  ensure(id: string): void {
    if (this.keys.has(id) || this.masters.keys.has(id)) return;
    const stored = this.store.read(id);
    if (!stored) return;
    this.keys.set(id, unwrapEpochKey(this.masters, stored.masterKeyId, stored.wrapped, id));
  }

  /** Takes the live epochs as read by another process or thread (e.g. a seed worker); loads their keys. */
  adopt(epochs: readonly EpochInfo[]): void {
    this.epochs = [...epochs];
    for (const epoch of epochs) this.ensure(epoch.id);
  }

  /** Reads the live epochs; loads new keys, zeroes and forgets keys of destroyed epochs. */
  async refresh(db: Queryable): Promise<void> {
    const rows = (await db.query(`SELECT id, started_at FROM key_epochs ORDER BY started_at, id`)) as {
      id: string;
      started_at: Date;
    }[];
    const epochs = rows.map((row) => ({ id: row.id, startedAt: row.started_at }));
    const liveIds = new Set(epochs.map((epoch) => epoch.id));
    for (const [id, key] of this.keys) {
      if (!liveIds.has(id)) {
        key.fill(0);
        this.keys.delete(id);
      }
    }
    for (const epoch of epochs) this.ensure(epoch.id);
    this.epochs = epochs;
  }

  /** A new epoch: its row (inside the caller's transaction) and its key file; it becomes current. */
  async createEpoch(em: Queryable): Promise<EpochInfo> {
    const [row] = (await em.query(`INSERT INTO key_epochs DEFAULT VALUES RETURNING id, started_at`)) as {
      id: string;
      started_at: Date;
    }[];
    const owner = await this.ownerId(em);
    const key = generateEpochKey();
    const wrapped = wrapEpochKey(this.masters, key, row.id);
    this.store.write({ id: row.id, masterKeyId: wrapped.keyId, wrapped: wrapped.wrapped, owner });
    this.keys.set(row.id, key);
    const epoch = { id: row.id, startedAt: row.started_at };
    this.epochs = [...this.epochs.filter((e) => e.id !== row.id), epoch];
    return epoch;
  }

  /**
   * Deletes an epoch's row inside the caller's transaction. Fails (foreign key) while any case still
   * references it. The key itself is destroyed by {@link shred} once that transaction has committed.
   */
  async deleteEpoch(em: Queryable, id: string): Promise<void> {
    await em.query(`DELETE FROM key_epochs WHERE id = $1`, [id]);
  }

  /** Destroys an epoch key for ever: the store's file, and this process's copy. */
  shred(id: string): void {
    this.store.destroy(id);
    this.keys.get(id)?.fill(0);
    this.keys.delete(id);
    this.epochs = this.epochs.filter((epoch) => epoch.id !== id);
  }

  /**
   * The key store's files, against this database's live epochs (run by the rollover, under its lock):
   * - a file of this database (its owner id) whose epoch is no longer live is an orphan (a rollover
   *   interrupted after deleting the epoch's row, or an epoch whose row never committed): destroyed;
   * - a file written before owners: stamped with this database's owner if its epoch is live here;
   *   destroyed as an orphan if not, but only when this database's master keys open it;
   * - every other file belongs to another database sharing the directory (a bench, a seed or a second
   *   instance run from the same checkout): left alone, whatever its name.
   */
  async sweepStore(db: Queryable): Promise<StoreSweep> {
    const owner = await this.ownerId(db);
    const rows = (await db.query(`SELECT id FROM key_epochs`)) as { id: string }[];
    const live = new Set(rows.map((row) => row.id));
    const sweep: StoreSweep = { destroyed: [], stamped: 0, foreign: 0 };
    for (const id of this.store.list()) {
      const stored = this.readOrUndefined(id);
      if (stored === undefined) {
        sweep.foreign += 1;
      } else if (stored.owner === owner) {
        if (!live.has(id)) {
          this.shred(id);
          sweep.destroyed.push(id);
        }
      } else if (stored.owner !== undefined || !this.opens(stored)) {
        sweep.foreign += 1;
      } else if (live.has(id)) {
        this.store.write({ ...stored, owner }, { replace: true });
        sweep.stamped += 1;
      } else {
        this.shred(id);
        sweep.destroyed.push(id);
      }
    }
    return sweep;
  }

  /** This database's owner id (key_store_owner), read once. */
  private async ownerId(db: Queryable): Promise<string> {
    if (this.owner === undefined) {
      const [row] = (await db.query(`SELECT id::text AS id FROM key_store_owner`)) as { id: string }[];
      if (row === undefined) throw new Error('the database has no key store owner (migration 1797050000000)');
      this.owner = row.id;
    }
    return this.owner;
  }

  private readOrUndefined(id: string): StoredEpochKey | undefined {
    try {
      return this.store.read(id);
    } catch {
      return undefined;
    }
  }

  /** Whether this database's master keys unwrap a stored epoch key. */
  private opens(stored: StoredEpochKey): boolean {
    try {
      unwrapEpochKey(this.masters, stored.masterKeyId, stored.wrapped, stored.id).fill(0);
      return true;
    } catch {
      return false;
    }
  }

  /** Master key rotation: re-wraps every live epoch key not under the current master key; returns how many. */
  rewrapUnderCurrentMaster(): number {
    let rewrapped = 0;
    for (const epoch of this.epochs) {
      const stored = this.store.read(epoch.id);
      if (!stored || stored.masterKeyId === this.masters.currentKeyId) continue;
      const key = unwrapEpochKey(this.masters, stored.masterKeyId, stored.wrapped, epoch.id);
      try {
        const next = wrapEpochKey(this.masters, key, epoch.id);
        this.store.write(
          { id: epoch.id, masterKeyId: next.keyId, wrapped: next.wrapped, owner: stored.owner },
          { replace: true },
        );
        rewrapped += 1;
      } finally {
        key.fill(0);
      }
    }
    return rewrapped;
  }
}
