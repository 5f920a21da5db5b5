import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import type { SigningKeyRing } from '../crypto/index.js';
import { walkChain, GENESIS, type WalkStart } from './chain-walk.js';
import { AuditService } from './audit.service.js';
import { isSignedBy, signCheckpoint, type Checkpoint, type StripeHead } from './checkpoint.js';
import { genesisHeads, readSnapshot, walkStripe } from './stripe-walk.js';

const GENUINE_CACHE = 500_000;

interface CheckpointRow {
  seq: string;
  head_hash: string;
  at: Date;
  key_id: string;
  signature: string;
  heads: StripeHead[] | null;
}

const toCheckpoint = (row: CheckpointRow): Checkpoint => ({
  seq: Number(row.seq),
  headHash: row.head_hash,
  at: row.at.toISOString(),
  keyId: row.key_id,
  signature: row.signature,
  ...(row.heads === null ? {} : { heads: row.heads }),
});

const COLUMNS = 'seq, head_hash, at, key_id, signature, heads';

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
      `SELECT ${COLUMNS} FROM audit_checkpoints
        WHERE seq >= $1 AND seq <= $2 ORDER BY seq ${range.desc ? 'DESC' : 'ASC'}, at LIMIT $3`,
      [range.fromSeq ?? 0, range.toSeq ?? Number.MAX_SAFE_INTEGER, range.limit ?? 1_000_000],
    )) as CheckpointRow[];
    return rows.map(toCheckpoint).filter((checkpoint) => this.isGenuine(checkpoint));
  }

  /**
   * GET /v1/audit/checkpoints: a page, newest first (seq, then at, then key), of the stored checkpoints
   * after the last one of the previous page; the read is audited.
   */
  async page(
    ctx: RequestContext,
    page: { limit: number; after?: { seq: number; at: Date; keyId: string } },
  ): Promise<{ items: Checkpoint[]; last: Checkpoint | null }> {
    return this.dataSource.transaction(async (em) => {
      const after = page.after;
      const rows = (await em.query(
        `SELECT ${COLUMNS} FROM audit_checkpoints
          ${after ? 'WHERE (seq, at, key_id) < ($2, $3, $4)' : ''}
          ORDER BY seq DESC, at DESC, key_id DESC LIMIT $1`,
        after ? [page.limit + 1, after.seq, after.at, after.keyId] : [page.limit + 1],
      )) as CheckpointRow[];
      const items = rows.slice(0, page.limit).map(toCheckpoint);
      await this.audit.record(em, ctx, {
        action: 'audit.checkpoints',
        outcome: 'allowed',
        details: { count: items.length },
      });
      return { items, last: rows.length > page.limit ? items[items.length - 1] : null };
    });
  }

  /** Whether one of the configured keys signed it (a row forged in the table is not). */
  isGenuine(checkpoint: Checkpoint): boolean {
    const id = `${checkpoint.seq}|${checkpoint.headHash}|${checkpoint.at}|${checkpoint.signature}|${JSON.stringify(checkpoint.heads ?? null)}`;
    if (this.genuine.has(id)) return true;
    if (!isSignedBy(checkpoint, [...this.keys.keys.values()])) return false;
    if (this.genuine.size >= GENUINE_CACHE) this.genuine.clear();
    this.genuine.add(id);
    return true;
  }

  /**
   * Signs a checkpoint of `heads` (every stripe's, which the caller has just verified), merged with the newest
   * this process signed (a head it already vouched for further on stays). Returns the newest checkpoint.
   */
  async signVerifiedHeads(heads: readonly StripeHead[]): Promise<Checkpoint> {
    return this.serialized(async () => {
      const newest = this.newest?.heads;
      const merged = heads.map((head) => {
        const other = newest?.[head.stripe];
        return other !== undefined && other.stripeSeq > head.stripeSeq ? other : head;
      });
      if (
        this.newest !== null &&
        newest !== undefined &&
        merged.every((head, i) => head.stripeSeq === newest[i].stripeSeq)
      ) {
        return this.newest;
      }
      return this.publish(merged);
    });
  }

  /** Checks the events since the newest checkpoint and signs the heads now (verify, export); the newest. */
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

  private async publish(heads: readonly StripeHead[]): Promise<Checkpoint> {
    const key = this.keys.keys.get(this.keys.currentKeyId)!;
    const checkpoint = signCheckpoint(key, { heads }, new Date());
    await this.dataSource.query(
      `INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, signature, heads)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING`,
      [
        checkpoint.seq,
        checkpoint.headHash,
        checkpoint.at,
        checkpoint.keyId,
        checkpoint.signature,
        JSON.stringify(checkpoint.heads),
      ],
    );
    this.newest = checkpoint;
    this.logger.log(`audit checkpoint ${JSON.stringify(checkpoint)}`);
    return checkpoint;
  }

  /**
   * One timer round: if events were appended since the newest checkpoint, check them (each stripe from its
   * signed head; before any checkpoint of the stripes, the legacy chain too) and sign every stripe's head.
   */
  private async tick(): Promise<void> {
    const snapshot = await readSnapshot((sql) => this.dataSource.query(sql), false);
    const start = await this.startingPoint();
    if (
      start.heads !== null &&
      snapshot.tails.every((tail, i) => tail.stripeSeq === start.heads![i]?.stripeSeq)
    ) {
      return;
    }
    if (start.heads === null && snapshot.legacy.seq === 0 && snapshot.tails.every((t) => t.stripeSeq === 0)) {
      return;
    }
    const runner = this.dataSource.createQueryRunner();
    try {
      const client = (await runner.connect()) as pg.ClientBase;
      let from = start.heads;
      if (from === null) {
        const legacy = await walkChain(client, {
          chainKey: this.chainKey,
          start: start.legacy,
          toSeq: snapshot.legacy.seq,
          checkpoints: new Map(),
        });
        if (!legacy.ok || legacy.headHash !== snapshot.legacy.hash) {
          this.logger.error(`audit chain broken before the stripes: no checkpoint signed`);
          return;
        }
        from = genesisHeads(snapshot.legacy);
      }
      const heads: StripeHead[] = [];
      for (const tail of snapshot.tails) {
        const head = from[tail.stripe] ?? genesisHeads(snapshot.legacy)[tail.stripe];
        if (tail.stripeSeq < head.stripeSeq) {
          this.logger.error(`audit stripe ${tail.stripe} lost its newest events: no checkpoint signed`);
          return;
        }
        const walk = await walkStripe(client, { from: head, toStripeSeq: tail.stripeSeq, pins: new Map() });
        if (!walk.ok) {
          this.logger.error(`audit stripe ${tail.stripe} broken: no checkpoint signed`);
          return;
        }
        heads.push(walk.head);
      }
      await this.publish(heads);
    } finally {
      await runner.release();
    }
  }

  /**
   * Where the incremental check starts: the newest checkpoint in memory, else in the table (a checkpoint of
   * the stripes, or of the legacy chain), else the genesis.
   */
  private async startingPoint(): Promise<{ heads: StripeHead[] | null; legacy: WalkStart }> {
    const newest = this.newest ?? (await this.stored({ desc: true, limit: 1 }))[0];
    if (newest === undefined) return { heads: null, legacy: GENESIS };
    if (newest.heads !== undefined) return { heads: newest.heads, legacy: GENESIS };
    const [version] = (await this.dataSource.query(`SELECT hash_version FROM audit_events WHERE seq = $1`, [
      newest.seq,
    ])) as { hash_version: number }[];
    return {
      heads: null,
      legacy: { seq: newest.seq, hash: newest.headHash, seenV2: Number(version?.hash_version) === 2 },
    };
  }
}
