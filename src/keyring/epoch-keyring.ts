import {
  CryptoError,
  generateEpochKey,
  unwrapEpochKey,
  wrapEpochKey,
  type MasterKeyRing,
} from '../crypto/index.js';
import { EpochKeyStore } from './epoch-store.js';

/** The database as the keyring needs it: a DataSource or a transaction's EntityManager. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface EpochInfo {
  id: string;
  startedAt: Date;
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
    const key = generateEpochKey();
    const wrapped = wrapEpochKey(this.masters, key, row.id);
    this.store.write({ id: row.id, masterKeyId: wrapped.keyId, wrapped: wrapped.wrapped });
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

  /** Key files without a live epoch (a rollover interrupted after deleting the row): destroyed. */
  async shredOrphans(db: Queryable): Promise<string[]> {
    const rows = (await db.query(`SELECT id FROM key_epochs`)) as { id: string }[];
    const live = new Set(rows.map((row) => row.id));
    const orphans = this.store.list().filter((id) => !live.has(id));
    for (const id of orphans) this.shred(id);
    return orphans;
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
        this.store.write({ id: epoch.id, masterKeyId: next.keyId, wrapped: next.wrapped });
        rewrapped += 1;
      } finally {
        key.fill(0);
      }
    }
    return rewrapped;
  }
}
