import { Module } from '@nestjs/common';
import { AuditCheckpointService } from './audit-checkpoints.service.js';
import { AuditController } from './audit.controller.js';
import { AuditVerifyService } from './audit-verify.service.js';
import { AuditService } from './audit.service.js';

@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditCheckpointService, AuditVerifyService],
  exports: [AuditService],
})
export class AuditModule {}
