import { createApp } from './app.js';
import { installGracefulShutdown } from './common/shutdown.js';
import type { AppConfig } from './config/app-config.js';
import { runCommand } from './config/command.js';

/** The service: listens, and on SIGTERM or SIGINT drains its requests before exiting (common/shutdown.ts). */
async function start(config: AppConfig): Promise<void> {
  // A signal during start-up (e.g. while the embedded database initialises) must not kill the process
  // before it can stop what it started: it is remembered, and honoured once start-up is done.
  let stopRequested = false;
  const early = () => {
    stopRequested = true;
  };
  process.on('SIGTERM', early);
  process.on('SIGINT', early);
  const app = await createApp(config);
  try {
    if (!stopRequested) await app.listen({ port: config.env.PORT, host: config.env.HOST });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  } finally {
    process.removeListener('SIGTERM', early);
    process.removeListener('SIGINT', early);
  }
  if (stopRequested) {
    await app.close();
    process.exit(0);
  }
  installGracefulShutdown(app, config.env.SHUTDOWN_TIMEOUT_MS);
  app.getHttpAdapter().getInstance().log.info({ port: config.env.PORT }, 'listening');
}

runCommand('Start-up', start, { handlesSignals: true });
