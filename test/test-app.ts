import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { createApp } from '../src/app.js';
import { AppConfig } from '../src/config/app-config.js';
import { generateKeyBase64 } from '../src/crypto/index.js';
import { createDatabaseIfMissing } from '../src/database/provision.js';

export const ADMIN_PASSWORD = 'bootstrap-admin-password';

export interface TestApp {
  app: NestFastifyApplication;
  /** supertest against the running app. */
  http: () => ReturnType<typeof request>;
  /** A superuser connection to this test's database (for tampering and inspection). */
  db: pg.Client;
  /** Every JSON log line the app wrote. */
  logs: string[];
  config: AppConfig;
  /** The owner connection string of this test's database. */
  databaseUrl: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Boot a second replica on the same database (same keys), as behind a load balancer. */
  replicaOf?: TestApp;
  /** A superuser URL of another cluster than the shared test cluster (e.g. one a test stops and restarts). */
  adminUrl?: string;
}

export function testKeys(): Record<string, string> {
  return {
    FIELD_MASTER_KEYS: `k1:${generateKeyBase64()},k2:${generateKeyBase64()}`,
    FIELD_MASTER_KEY_ID: 'k1',
    PSEUDONYM_KEY: generateKeyBase64(),
    BLIND_INDEX_KEY: generateKeyBase64(),
    JWT_SECRET: generateKeyBase64(),
    AUDIT_CHAIN_KEY: generateKeyBase64(),
    RELEASE_SIGNING_KEY: generateKeyBase64(),
    // Each test database gets its own epoch key store (replicas share it, as they would a volume).
    KEY_EPOCH_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-epochs-')),
    AUDIT_SIGNING_KEYS: `s1:${generateKeyBase64()}`,
    AUDIT_SIGNING_KEY_ID: 's1',
    NOISE_PRF_KEY: generateKeyBase64(),
  };
}

/** The key settings of a running test app (for another app that shares its keys). */
export function keysOf(config: AppConfig): Record<string, string> {
  const { env } = config;
  return {
    FIELD_MASTER_KEYS: env.FIELD_MASTER_KEYS ?? '',
    FIELD_MASTER_KEY_ID: env.FIELD_MASTER_KEY_ID ?? '',
    PSEUDONYM_KEY: env.PSEUDONYM_KEY ?? '',
    BLIND_INDEX_KEY: env.BLIND_INDEX_KEY ?? '',
    JWT_SECRET: env.JWT_SECRET ?? '',
    AUDIT_CHAIN_KEY: env.AUDIT_CHAIN_KEY ?? '',
    RELEASE_SIGNING_KEY: env.RELEASE_SIGNING_KEY ?? '',
    KEY_EPOCH_DIR: config.keys.epochDir,
    AUDIT_SIGNING_KEYS: env.AUDIT_SIGNING_KEYS ?? '',
    AUDIT_SIGNING_KEY_ID: env.AUDIT_SIGNING_KEY_ID ?? '',
    NOISE_PRF_KEY: env.NOISE_PRF_KEY ?? '',
  };
}

/** Boots the whole app on a fresh database of the test cluster, with real migrations. */
export async function startTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const adminUrl = options.adminUrl ?? process.env.TEST_ADMIN_URL;
  if (!adminUrl) throw new Error('TEST_ADMIN_URL is not set: run e2e tests through jest (global setup)');
  let databaseUrl = options.replicaOf?.databaseUrl;
  if (!databaseUrl) {
    const name = `t_${Date.now()}_${Math.floor(Math.random() * 1e9)}`;
    await createDatabaseIfMissing(adminUrl, name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }

  const config = AppConfig.load({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    BOOTSTRAP_ADMIN_USERNAME: 'admin',
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'info',
    ...(options.replicaOf ? keysOf(options.replicaOf.config) : testKeys()),
    ...env,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const app = await createApp(config, { logStream });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    app,
    http: () => request(app.getHttpServer()),
    db,
    logs,
    config,
    databaseUrl,
    async close() {
      await db.end();
      await app.close();
    },
  };
}
