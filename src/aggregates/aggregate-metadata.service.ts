import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import { MAX_CELLS } from './aggregates.service.js';
import { dimensionsCatalogue, type DimensionsCatalogue } from './dimension-catalogue.js';

/** What researchers (and reviewers of their papers) read about the aggregate endpoint itself. */
@Injectable()
export class AggregateMetadataService {
  private readonly catalogue: DimensionsCatalogue = dimensionsCatalogue({ maxCells: MAX_CELLS });

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** GET /v1/aggregates/dimensions, audited like every read. */
  async dimensions(ctx: RequestContext): Promise<DimensionsCatalogue> {
    await this.dataSource.transaction((em) =>
      this.audit.record(em, ctx, {
        action: 'aggregate.dimensions',
        outcome: 'allowed',
        details: { count: this.catalogue.dimensions.length },
      }),
    );
    return this.catalogue;
  }

  /** GET /v1/aggregates/public-key: the key that verifies release manifests (public, not secret). */
  publicKey(): { algorithm: 'Ed25519'; keyId: string; publicKeyPem: string } {
    const { keyId, publicKeyPem } = this.config.keys.releaseSigningKey;
    return { algorithm: 'Ed25519', keyId, publicKeyPem };
  }
}
