import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AppConfig } from '../config/app-config.js';
import { EpochKeyring } from '../keyring/epoch-keyring.js';
import { EpochKeyStore } from '../keyring/epoch-store.js';
import { CaseKeysScheduler } from './case-keys.scheduler.js';
import { CaseReader } from './case-reader.service.js';
import { CaseTransaction } from './case-transaction.service.js';
import { CaseCreateService } from './case-create.service.js';
import { CaseCryptoService } from './case-crypto.service.js';
import { CaseDuplicatesService } from './case-duplicates.service.js';
import { CaseSearchService } from './case-search.service.js';
import { CaseUpdateService } from './case-update.service.js';
import { CaseExportService } from './case-export.service.js';
import { CaseFilesController } from './case-files.controller.js';
import { CaseImportService } from './case-import.service.js';
import { CaseTransfersController } from './case-transfers.controller.js';
import { CaseTransfersService } from './case-transfers.service.js';
import { CasesController } from './cases.controller.js';
import { CasesService } from './cases.service.js';

@Module({
  imports: [AuditModule],
  controllers: [CasesController, CaseFilesController, CaseTransfersController],
  providers: [
    {
      provide: EpochKeyring,
      useFactory: (config: AppConfig) =>
        new EpochKeyring(
          new EpochKeyStore(config.keys.epochDir),
          config.keys.masterKeys,
          config.env.KEY_EPOCH_SECONDS,
        ),
      inject: [AppConfig],
    },
    CaseKeysScheduler,
    CaseCryptoService,
    CaseTransaction,
    CaseReader,
    CasesService,
    CaseCreateService,
    CaseUpdateService,
    CaseSearchService,
    CaseDuplicatesService,
    CaseTransfersService,
    CaseImportService,
    CaseExportService,
  ],
})
export class CasesModule {}
