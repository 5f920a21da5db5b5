import fs from 'node:fs';
import path from 'node:path';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { notFound } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import type { AnswerFormat } from './dto/aggregate-metadata.dto.js';
import { releaseCsv } from './release-csv.js';
import { releaseText, signRelease, type ReleasableAnswer, type ReleaseFacts } from './release-manifest.js';

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

/** A released answer as delivered: its signed canonical JSON text, and the parsed answer. */
export interface ReleasedDocument {
  queryId: string;
  text: string;
}

export interface RenderedDocument {
  body: string;
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
  ) {}

  /** Signs an answer; `keep` stores it as the researcher's document of this answer (first delivery). */
  async publish(
    em: EntityManager,
    userId: string,
    answer: ReleasableAnswer & { queryId: string },
    facts: Omit<ReleaseFacts, 'queryId' | 'service' | 'releasedAt'>,
    options: { keep: boolean; now: Date },
  ): Promise<ReleasedDocument> {
    const manifest = signRelease(
      answer,
      { ...facts, queryId: answer.queryId, service: this.service, releasedAt: options.now.toISOString() },
      this.config.keys.releaseSigningKey,
    );
    const text = releaseText({ ...answer, manifest });
    if (options.keep) {
      await em.query(
        `INSERT INTO aggregate_release_documents (user_id, answer_id, released_at, document)
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, answer_id) DO NOTHING`,
        [userId, answer.queryId, options.now, text],
      );
    }
    return { queryId: answer.queryId, text };
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
      if (row)
        await this.audit.record(em, ctx, { ...event, outcome: 'allowed', details: { format, charged: 0 } });
      return row;
    });
    if (!found) {
      // Another researcher's answer, or none: the same 404 (no existence leak), audited as a denial.
      await this.audit.recordAlone(ctx, { ...event, outcome: 'denied', details: { reason: 'not_found' } });
      throw notFound('Answer');
    }
    return render({ queryId, text: found.document }, format);
  }
}

/** The body of a released document in the format asked (CSV derived from the JSON text, deterministically). */
export function render(document: ReleasedDocument, format: AnswerFormat): RenderedDocument {
  if (format === 'csv') {
    return {
      body: releaseCsv(document.text),
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
