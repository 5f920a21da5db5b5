import fs from 'node:fs';
import { ConfigError } from './config/env.schema.js';
import { AppConfig } from './config/app-config.js';
import { createApp } from './app.js';

async function main(): Promise<void> {
  // A local .env (git-ignored) is read when present; real environment variables win.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = AppConfig.load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen({ port: config.env.PORT, host: config.env.HOST });
  app.getHttpAdapter().getInstance().log.info({ port: config.env.PORT }, 'listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
