/**
 * The service tier: the cases services with their real repositories on a real PostgreSQL (real migrations,
 * runtime role), without HTTP and without argon2 logins. Principals are made directly, as the guard would
 * after authenticating a token; users exist as rows so that foreign keys and audit events are real.
 */
import { Test } from '@nestjs/testing';
import pg from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { CasesModule } from '../../src/cases/cases.module.js';
import type { AuthenticatedPrincipal, RequestContext } from '../../src/common/request-context.js';
import { AppConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { newUuid } from '../../src/crypto/index.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { openDatabase } from '../../src/database/open-database.js';
import { createDatabaseIfMissing } from '../../src/database/provision.js';
import { ENTITIES } from '../../src/entities.js';
import type { Role } from '../../src/policy/index.js';
import { testKeys } from '../test-app.js';

export interface ServiceTier {
  get<T>(type: new (...args: never[]) => T): T;
  config: AppConfig;
  dataSource: DataSource;
  /** A superuser connection to this tier's database (for inspection). */
  db: pg.Client;
  office(code: string): Promise<string>;
  /** A request context of a new user of `role` (in `officeId` for office staff). */
  actor(role: Role, officeId?: string | null): Promise<RequestContext>;
  close(): Promise<void>;
}

export async function startServiceTier(env: Record<string, string> = {}): Promise<ServiceTier> {
  const adminUrl = process.env.TEST_ADMIN_URL;
  if (!adminUrl) throw new Error('TEST_ADMIN_URL is not set: run these tests through jest (global setup)');
  const name = `s_${Date.now()}_${Math.floor(Math.random() * 1e9)}`;
  await createDatabaseIfMissing(adminUrl, name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const config = AppConfig.load({
    NODE_ENV: 'test',
    DATABASE_URL: url.toString(),
    LOG_LEVEL: 'silent',
    ...testKeys(),
    ...env,
  });
  const database = await openDatabase(config.env, pino({ level: 'silent' }), ENTITIES);
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      DatabaseModule.forRoot(database.dataSource, database.probe),
      CasesModule,
    ],
  }).compile();
  await moduleRef.init();
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();

  return {
    get: (type) => moduleRef.get(type),
    config,
    dataSource: database.dataSource,
    db,
    async office(code) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO offices (code, name, country_code) VALUES ($1, $1, 'PH') RETURNING id`,
        [code],
      );
      return rows[0].id;
    },
    async actor(role, officeId = null) {
      const username = `${role}-${newUuid().slice(0, 8)}`;
      const approvedUntil = role === 'researcher' ? '2099-12-31' : null;
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO users (username, password_hash, role, office_id, approved_until)
         VALUES ($1, 'not-a-login', $2, $3, $4) RETURNING id`,
        [username, role, officeId, approvedUntil],
      );
      const actor: AuthenticatedPrincipal = {
        id: rows[0].id,
        role,
        officeId,
        username,
        sessionId: newUuid(),
        approvedUntil,
      };
      return { requestId: newUuid(), ip: '127.0.0.1', actor };
    },
    async close() {
      await db.end();
      await moduleRef.close();
      await database.close();
    },
  };
}
