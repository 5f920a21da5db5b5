import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AggregateMetadataController } from './aggregate-metadata.controller.js';
import { AggregateMetadataService } from './aggregate-metadata.service.js';
import { AggregatesController } from './aggregates.controller.js';
import { AggregatesService } from './aggregates.service.js';
import { ReleaseDocumentsService } from './release-documents.service.js';
import { ReleaseWorkers } from './release-workers.js';
import { BudgetLedger } from './ledger.js';

@Module({
  imports: [AuditModule],
  controllers: [AggregatesController, AggregateMetadataController],
  providers: [
    AggregatesService,
    AggregateMetadataService,
    ReleaseDocumentsService,
    ReleaseWorkers,
    BudgetLedger,
  ],
})
export class AggregatesModule {}
