import { Platform1795870000000 } from '../../migrations/1795870000000-Platform.js';
import { Cases1795880000000 } from '../../migrations/1795880000000-Cases.js';
import { AggregateBudget1796000000000 } from '../../migrations/1796000000000-AggregateBudget.js';
import { AuditChainV21796100000000 } from '../../migrations/1796100000000-AuditChainV2.js';
import { Robustness1796200000000 } from '../../migrations/1796200000000-Robustness.js';
import { KeyEpochs1796300000000 } from '../../migrations/1796300000000-KeyEpochs.js';
import { TwoPersonRule1796300000001 } from '../../migrations/1796300000001-TwoPersonRule.js';
import { Workflows1796500000000 } from '../../migrations/1796500000000-Workflows.js';
import { ReleaseDocuments1796600000000 } from '../../migrations/1796600000000-ReleaseDocuments.js';
import { AuditStripes1797010000000 } from '../../migrations/1797010000000-AuditStripes.js';
import { AuditAppendForSession1797030000000 } from '../../migrations/1797030000000-AuditAppendForSession.js';
import { AuditSettledHorizon1797040000000 } from '../../migrations/1797040000000-AuditSettledHorizon.js';
import { KeyStoreOwner1797050000000 } from '../../migrations/1797050000000-KeyStoreOwner.js';

/** Every migration, in order. Listed explicitly so that builds, tests and the CLI run the same set. */
export const MIGRATIONS = [
  Platform1795870000000,
  Cases1795880000000,
  AggregateBudget1796000000000,
  AuditChainV21796100000000,
  Robustness1796200000000,
  KeyEpochs1796300000000,
  TwoPersonRule1796300000001,
  Workflows1796500000000,
  ReleaseDocuments1796600000000,
  AuditStripes1797010000000,
  AuditAppendForSession1797030000000,
  AuditSettledHorizon1797040000000,
  KeyStoreOwner1797050000000,
];

/** Every migration before `migration`: a database as an older version left it (upgrade tests, benches). */
export const migrationsBefore = (migration: (typeof MIGRATIONS)[number]): typeof MIGRATIONS =>
  MIGRATIONS.slice(0, MIGRATIONS.indexOf(migration));
