import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AggregatesController } from './aggregates.controller.js';
import { AggregatesService } from './aggregates.service.js';

@Module({
  imports: [AuditModule],
  controllers: [AggregatesController],
  providers: [AggregatesService],
})
export class AggregatesModule {}
