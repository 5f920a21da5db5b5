/**
 * Transport benchmark: the same prepared statement from one Node process (`pg`, as the service's pool uses
 * it) to an embedded PostgreSQL over loopback TCP and through the cluster's Unix socket, alternated, at 1
 * and 16 connections; the client's CPU per statement (process.cpuUsage) and the rate. Run
 * `npm run bench:transport`; results are appended to bench/results/transport.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded.js';

const STATEMENTS = 20_000;
const ROUNDS = 3;

interface Measured {
  perSecond: number;
  cpuUs: number;
  kernelUs: number;
}

async function measure(url: string, connections: number): Promise<Measured> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  // An idle client may see the cluster's goodbye after pool.end(); nothing is in flight then.
  pool.on('error', () => undefined);
  try {
    const query = () =>
      pool.query({
        name: 'transport',
        text: 'SELECT $1::int + 1 AS x, repeat($2, 20) AS y',
        values: [1, 'abcdefgh'],
      });
    // Every connection opened and the statement prepared on it before the clock starts.
    await Promise.all(Array.from({ length: connections }, query));
    const cpu = process.cpuUsage();
    const started = performance.now();
    let left = STATEMENTS;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (left-- > 0) await query();
      }),
    );
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return {
      perSecond: (STATEMENTS / ms) * 1000,
      cpuUs: (used.user + used.system) / STATEMENTS,
      kernelUs: used.system / STATEMENTS,
    };
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-transport-'));
  const embedded = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), persistent: false });
  const lines: string[] = [];
  try {
    const urls = {
      tcp: embedded.urlFor('postgres', { tcp: true }),
      socket: embedded.urlFor('postgres'),
    };
    if (urls.socket === urls.tcp) throw new Error('this platform has no Unix socket for the cluster');
    for (const connections of [1, 16]) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const [transport, url] of Object.entries(urls)) {
          const m = await measure(url, connections);
          const line = `| ${connections} | ${round} | ${transport} | ${m.perSecond.toFixed(0)} | ${m.cpuUs.toFixed(1)} | ${m.kernelUs.toFixed(1)} |`;
          process.stdout.write(`${line}\n`);
          lines.push(line);
        }
      }
    }
  } finally {
    await embedded.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const out = path.resolve('bench/results/transport.md');
  const header = fs.existsSync(out)
    ? ''
    : '# Transport: loopback TCP vs the Unix socket\n\n`npm run bench:transport`: ' +
      `${STATEMENTS} prepared statements per cell from one Node process (pg), TCP and socket alternated.\n`;
  fs.appendFileSync(
    out,
    `${header}\n## ${new Date().toISOString()} (${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )})\n\n| connections | round | transport | statements/s | client CPU µs each | of it kernel µs |\n|---|---|---|---|---|---|\n${lines.join('\n')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
