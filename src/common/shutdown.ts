import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * SIGTERM / SIGINT: stop accepting connections, let requests in flight finish (at most `timeoutMs`; then
 * their connections are closed), then close the database pool and the embedded database this process
 * started (app.close), and exit 0 — or 1 when closing failed or hung. A second signal exits at once.
 */
export function installGracefulShutdown(app: NestFastifyApplication, timeoutMs: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const log = fastify.log;
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal, timeoutMs }, 'shutting down: no new connections, waiting for requests in flight');
    const cutOff = setTimeout(() => {
      log.warn('requests still in flight at the shutdown deadline: closing their connections');
      fastify.server.closeAllConnections();
    }, timeoutMs);
    const hung = setTimeout(() => {
      log.error('shutdown hung: exiting');
      process.exit(1);
    }, timeoutMs + 15_000);
    hung.unref();
    app
      .close()
      .then(() => {
        clearTimeout(cutOff);
        log.info('shut down cleanly');
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
