import fs from 'node:fs';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { notFound } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import type { AnswerFormat } from './dto/aggregate-metadata.dto.js';
import type { Dimension } from './dimensions.js';
import { checkCsvRows, type CsvFilters } from './release-csv.js';
import type { ReleasableAnswer, ReleaseFacts, ReleaseManifest } from './release-manifest.js';
import { ReleaseWorkers } from './release-workers.js';

/** The service's name and version (package.json), stated in every manifest. */
function serviceIdentity(): { name: string; version: string } {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.resolve('package.json'), 'utf8')) as {
      name?: string;
      version?: string;
    };
    if (pkg.name && pkg.version) return { name: pkg.name, version: pkg.version };
  } catch {
    // fall through: the manifest still names the service
  }
  return { name: 'ctr-case-api', version: process.env.npm_package_version ?? 'unknown' };
}

/** The answer as POST /v1/aggregates/query shapes it (aggregates.service.ts), before signing. */
export interface DeliveredAnswer extends ReleasableAnswer {
  k: number;
  queryId: string;
  /** With the privacy budget (issue 8): what this delivery cost. */
  budget?: { charged: number };
  disclosureControl: {
    methods?: unknown;
    /** The data version counted and when it was counted (the stored answer's, unchanged by free repeats). */
    dataVersion?: string;
    countedAt?: string;
    noise?: {
      mechanism?: unknown;
      accounting?: unknown;
      sigma?: unknown;
      halfWidth95?: unknown;
      rhoOfRelease?: unknown;
      groupings?: unknown;
    };
  };
}

/** A released answer as delivered: its signed canonical JSON text. */
export interface ReleasedDocument {
  queryId: string;
  text: string;
}

export interface RenderedDocument {
  /** The JSON text, or the CSV's UTF-8 bytes. */
  body: string | Buffer;
  contentType: string;
  filename: string;
}

/**
 * Signed release documents (release-manifest.ts): every answer is delivered as canonical JSON with a
 * manifest signed by the release key (config/keys.ts; never in the database). The first document a
 * researcher receives for a stored answer is kept (aggregate_release_documents), and
 * GET /v1/aggregates/answers/:queryId returns it again, byte for byte, at no cost.
 */
@Injectable()
export class ReleaseDocumentsService {
  private readonly service = serviceIdentity();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly workers: ReleaseWorkers,
  ) {}

  /**
   * Signs an answer as delivered (inside the delivery's transaction) and keeps the researcher's first
   * document of this stored answer; a later one (a free repeat) is signed too but not kept.
   */
  async publish(
    em: EntityManager,
    userId: string,
    answer: DeliveredAnswer,
    query: { dimensions: readonly string[]; filters: Record<string, unknown>; sigma?: number },
    stored: { dataVersion: string | null; countedAt: string | null },
    now: Date,
  ): Promise<ReleasedDocument> {
    const noise = answer.disclosureControl.noise ?? {};
    const facts: ReleaseFacts = {
      queryId: answer.queryId,
      query: { dimensions: query.dimensions, filters: query.filters, sigma: query.sigma },
      k: answer.k,
      mechanism: {
        methods: answer.disclosureControl.methods,
        noise: noise.mechanism,
        accounting: noise.accounting,
        sigma: noise.sigma,
        halfWidth95: noise.halfWidth95,
        rhoOfRelease: noise.rhoOfRelease,
        groupings: noise.groupings,
      },
      rhoCharged: answer.budget?.charged ?? null,
      dataVersion: stored.dataVersion,
      dataCountedAt: stored.countedAt,
      releasedAt: now.toISOString(),
      service: this.service,
    };
    const { text } = await this.workers.sign(answer, facts, this.config.keys.releaseSigningKey);
    await em.query(
      `INSERT INTO aggregate_release_documents (user_id, answer_id, released_at, document)
       VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, answer_id) DO NOTHING`,
      [userId, answer.queryId, now, text],
    );
    return { queryId: answer.queryId, text };
  }

  /** `publish` in a transaction of its own (for an answer computed outside it). */
  publishAlone(
    userId: string,
    answer: DeliveredAnswer,
    query: { dimensions: readonly string[]; filters: Record<string, unknown> },
    now: Date,
  ): Promise<ReleasedDocument> {
    // What the answer says it counted: the manifest a researcher cites names the same data version and time.
    const counted = {
      dataVersion: answer.disclosureControl.dataVersion ?? null,
      countedAt: answer.disclosureControl.countedAt ?? null,
    };
    return this.dataSource.transaction((em) => this.publish(em, userId, answer, query, counted, now));
  }

  /** GET /v1/aggregates/answers/:queryId: the caller's own stored document, audited; another's is a 404. */
  async fetch(ctx: RequestContext, queryId: string, format: AnswerFormat): Promise<RenderedDocument> {
    const actor = ctx.actor!;
    const event = { action: 'aggregate.answer', resourceType: 'aggregate', resourceId: queryId } as const;
    const found = await this.dataSource.transaction(async (em) => {
      const [row] = (await em.query(
        `SELECT document FROM aggregate_release_documents WHERE user_id = $1 AND answer_id = $2`,
        [actor.id, queryId],
      )) as { document: string }[];
      if (row && format === 'csv') {
        const { query } = (JSON.parse(row.document) as { manifest: ReleaseManifest }).manifest;
        checkCsvRows(query.dimensions as Dimension[], query.filters as CsvFilters);
      }
      if (row)
        await this.audit.record(em, ctx, { ...event, outcome: 'allowed', details: { format, charged: 0 } });
      return row;
    });
    if (!found) {
      // Another researcher's answer, or none: the same 404 (no existence leak), audited as a denial.
      await this.audit.recordAlone(ctx, { ...event, outcome: 'denied', details: { reason: 'not_found' } });
      throw notFound('Answer');
    }
    return this.render({ queryId, text: found.document }, format);
  }

  /**
   * The body of a released document in the format asked (CSV derived from the JSON text, deterministically,
   * in the release workers: up to 1,000,000 rows).
   */
  async render(document: ReleasedDocument, format: AnswerFormat): Promise<RenderedDocument> {
    if (format === 'csv') {
      return {
        body: await this.workers.csv(document.text),
        contentType: 'text/csv; charset=utf-8; header=present',
        filename: `aggregate-${document.queryId}.csv`,
      };
    }
    return {
      body: document.text,
      contentType: 'application/json; charset=utf-8',
      filename: `aggregate-${document.queryId}.json`,
    };
  }
}
