import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import type { SigningKeyRing } from '../crypto/index.js';
import { walkChain, GENESIS, type WalkStart } from './chain-walk.js';
import { AuditService } from './audit.service.js';
import { isSignedBy, signCheckpoint, type Checkpoint } from './checkpoint.js';

const GENUINE_CACHE = 500_000;

interface CheckpointRow {
  seq: string;
  head_hash: string;
  at: Date;
  key_id: string;
  signature: string;
}

const toCheckpoint = (row: CheckpointRow): Checkpoint => ({
  seq: Number(row.seq),
  headHash: row.head_hash,
  at: row.at.toISOString(),
  keyId: row.key_id,
  signature: row.signature,
});

/**
 * Signs checkpoints of the audit chain with the Ed25519 key the database never sees: every
 * AUDIT_CHECKPOINT_INTERVAL_MS while events are being written, and on every verify and export. A checkpoint
 * is signed only after the events since the previous one have been checked, so it never vouches for a
 * tampered chain. Each is stored (GET /v1/audit/checkpoints), written to the service's log stream (which
 * production ships elsewhere) and kept in memory as the newest this process signed: deleting the newest
 * events, or rewriting the chain and the checkpoints table, is then still detected by verify.
 */
@Injectable()
export class AuditCheckpointService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AuditCheckpoint');
  private readonly keys: SigningKeyRing;
  private readonly chainKey: Buffer;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  /** The newest checkpoint this process signed (or found signed at start-up). */
  private newest: Checkpoint | null = null;
  /** Checkpoints whose signature was already checked (each verify reads them all again). */
  private readonly genuine = new Set<string>();
  /** Whether `newest` was reached through a chain containing a scheme-2 event. */
  private newestSeenV2 = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    this.keys = config.keys.auditSigningKeys;
    this.chainKey = config.keys.auditChainKey;
    this.intervalMs = config.env.AUDIT_CHECKPOINT_INTERVAL_MS;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      void this.serialized(() => this.tick()).catch((error: unknown) => {
        this.logger.error(`audit checkpoint failed: ${(error as Error).name}`);
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running.catch(() => undefined);
  }

  /** The public keys of every configured signing key (older ones verify older checkpoints). */
  publicKeys(): { keyId: string; publicKeyPem: string; current: boolean }[] {
    return [...this.keys.keys.values()].map((key) => ({
      keyId: key.keyId,
      publicKeyPem: key.publicKeyPem,
      current: key.keyId === this.keys.currentKeyId,
    }));
  }

  /** The newest checkpoint this process knows of, whatever the table now says. */
  newestKnown(): Checkpoint | null {
    return this.newest;
  }

  /** Signed checkpoints from the table with seq in [fromSeq, toSeq], oldest first; forged ones are dropped. */
  async stored(
    range: { fromSeq?: number; toSeq?: number; limit?: number; desc?: boolean } = {},
  ): Promise<Checkpoint[]> {
    const rows = (await this.dataSource.query(
      `SELECT seq, head_hash, at, key_id, signature FROM audit_checkpoints
        WHERE seq >= $1 AND seq <= $2 ORDER BY seq ${range.desc ? 'DESC' : 'ASC'}, at LIMIT $3`,
      [range.fromSeq ?? 0, range.toSeq ?? Number.MAX_SAFE_INTEGER, range.limit ?? 1_000_000],
    )) as CheckpointRow[];
    return rows.map(toCheckpoint).filter((checkpoint) => this.isGenuine(checkpoint));
  }

  /** GET /v1/audit/checkpoints: a page, newest first, of the stored checkpoints; the read is audited. */
  async page(
    ctx: RequestContext,
    page: { limit: number; beforeSeq?: number },
  ): Promise<{ items: Checkpoint[]; lastSeq: number | null }> {
    return this.dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT seq, head_hash, at, key_id, signature FROM audit_checkpoints WHERE seq < $1
          ORDER BY seq DESC, at DESC LIMIT $2`,
        [page.beforeSeq ?? Number.MAX_SAFE_INTEGER, page.limit + 1],
      )) as CheckpointRow[];
      const items = rows.slice(0, page.limit).map(toCheckpoint);
      await this.audit.record(em, ctx, {
        action: 'audit.checkpoints',
        outcome: 'allowed',
        details: { count: items.length },
      });
      return { items, lastSeq: rows.length > page.limit ? items[items.length - 1].seq : null };
    });
  }

  /** Whether one of the configured keys signed it (a row forged in the table is not). */
  isGenuine(checkpoint: Checkpoint): boolean {
    const id = `${checkpoint.seq}|${checkpoint.headHash}|${checkpoint.at}|${checkpoint.signature}`;
    if (this.genuine.has(id)) return true;
    if (!isSignedBy(checkpoint, [...this.keys.keys.values()])) return false;
    if (this.genuine.size >= GENUINE_CACHE) this.genuine.clear();
    this.genuine.add(id);
    return true;
  }

  /**
   * Signs a checkpoint at `head`, which the caller has just verified, unless it is older than the newest.
   * Returns the newest checkpoint.
   */
  async signVerifiedHead(
    head: { seq: number; headHash: string },
    seenV2: boolean,
  ): Promise<Checkpoint | null> {
    return this.serialized(async () => {
      if (head.seq === 0 || (this.newest !== null && head.seq < this.newest.seq)) return this.newest;
      return this.publish(head, seenV2);
    });
  }

  /** Checks the events since the newest checkpoint and signs the head now (verify, export); the newest. */
  async checkpointNow(): Promise<Checkpoint | null> {
    await this.serialized(() => this.tick());
    return this.newest;
  }

  /** Runs `work` after any checkpointing in progress (one at a time per process). */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.running.catch(() => undefined).then(work);
    this.running = next;
    return next;
  }

  private async publish(head: { seq: number; headHash: string }, seenV2: boolean): Promise<Checkpoint> {
    const key = this.keys.keys.get(this.keys.currentKeyId)!;
    const checkpoint = signCheckpoint(key, head, new Date());
    await this.dataSource.query(
      `INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [checkpoint.seq, checkpoint.headHash, checkpoint.at, checkpoint.keyId, checkpoint.signature],
    );
    this.newest = checkpoint;
    this.newestSeenV2 = seenV2;
    this.logger.log(`audit checkpoint ${JSON.stringify(checkpoint)}`);
    return checkpoint;
  }

  /** One timer round: if events were appended since the newest checkpoint, check them and sign the head. */
  private async tick(): Promise<void> {
    const [head] = (await this.dataSource.query(`SELECT max(seq) AS seq FROM audit_events`)) as {
      seq: string | null;
    }[];
    const headSeq = Number(head?.seq ?? 0);
    if (headSeq === 0 || (this.newest !== null && headSeq <= this.newest.seq)) return;
    const start = await this.startingPoint();
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as pg.ClientBase;
      const result = await walkChain(client, {
        chainKey: this.chainKey,
        start,
        toSeq: headSeq,
        checkpoints: new Map(),
      });
      if (!result.ok) {
        this.logger.error(`audit chain broken at seq ${result.firstBadSeq}: no checkpoint signed`);
        return;
      }
      await this.publish({ seq: result.lastSeq, headHash: result.headHash }, true);
    } finally {
      await runner.release();
    }
  }

  /** Where the incremental check starts: the newest checkpoint in memory, else in the table, else the genesis. */
  private async startingPoint(): Promise<WalkStart> {
    if (this.newest !== null) {
      return { seq: this.newest.seq, hash: this.newest.headHash, seenV2: this.newestSeenV2 };
    }
    const [stored] = await this.stored({ desc: true, limit: 1 });
    if (stored === undefined) return GENESIS;
    const [version] = (await this.dataSource.query(`SELECT hash_version FROM audit_events WHERE seq = $1`, [
      stored.seq,
    ])) as { hash_version: number }[];
    return { seq: stored.seq, hash: stored.headHash, seenV2: Number(version?.hash_version) === 2 };
  }
}
