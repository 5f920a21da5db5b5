import fs from 'node:fs';
import { describeStartupError } from '../common/startup-error.js';
import { AppConfig } from './app-config.js';
import { ConfigError } from './env.schema.js';

/**
 * Entry points (service and CLI commands): read a local .env when present (real environment variables
 * win), validate the configuration, run `main`; a bad variable or a failure ends the process with a
 * one-line message saying what failed and what to do (no stack, no values).
 *
 * A command (all but the service, which says `handlesSignals` and drains its requests first) ends at once on
 * SIGTERM or SIGINT with 128 + the signal's number; the exit stops the embedded database it started
 * (database/embedded.ts), so no orphaned PostgreSQL keeps the data directory.
 */
export function runCommand(
  name: string,
  main: (config: AppConfig) => Promise<void>,
  options: { handlesSignals?: boolean } = {},
): void {
  if (!options.handlesSignals) {
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      process.once(signal, () => {
        process.stderr.write(`${name} interrupted (${signal})\n`);
        process.exit(code);
      });
    }
  }
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = AppConfig.load();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  main(config).catch((error: unknown) => {
    process.stderr.write(`${name} failed: ${describeStartupError(error)}\n`);
    process.exit(1);
  });
}
