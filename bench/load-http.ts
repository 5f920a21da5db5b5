/**
 * HTTP load generator of `npm run bench`, run as its own process so that the client never shares the
 * service's event loop: random case ids per request, a rotating pool of bodies. Prints one JSON result line.
 * Usage: node load-http.js <spec.json>.
 *
 * The load itself comes from wrk (C, one thread, a Lua script: bench/load-wrk.lua) when it is installed, as the
 * raw baseline's comes from pgbench: on a 2-core machine the load generator shares the cores with the service
 * and PostgreSQL, and autocannon (Node) spent 0.16 ms of CPU per read, a quarter of the service's own
 * (22:13 on 2026-12-01), CPU that pgbench does not take from the raw side. Without wrk (or with
 * BENCH_LOADGEN=autocannon) it is autocannon, as before; the result names the generator.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { SyntheticCases } from '../src/seed/synthetic.js';
import { openLoop } from './load-open.js';

export interface HttpLoadSpec {
  url: string;
  method: 'GET' | 'POST';
  /** `{id}` in the path is replaced by a random id from `ids`. */
  path: string;
  token: string;
  connections: number;
  seconds: number;
  ids?: string[];
  /** Request bodies, used in turn (sent as JSON). */
  bodies?: unknown[];
  /**
   * Request bodies generated here, before the load starts: `count` synthetic cases (src/seed/synthetic.ts)
   * from `seed`, each sent once while they last (then again in turn). A new seed per run gives new people.
   */
  synthetic?: { seed?: number; count: number; /** NDJSON bodies of this many cases each. */ lines?: number };
  /** Requests per second, open loop (bench/load-open.ts), instead of a closed loop of `connections` clients. */
  rate?: number;
}

export interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, unknown>;
  generator?: 'wrk' | 'autocannon' | 'open loop';
}

/** wrk on PATH, unless BENCH_LOADGEN=autocannon. */
export async function wrkAvailable(): Promise<boolean> {
  if (process.env.BENCH_LOADGEN === 'autocannon') return false;
  try {
    await promisify(execFile)('wrk', ['--version']).catch((error: { stdout?: string }) => {
      // wrk --version prints its usage and exits 1.
      if (!String(error.stdout ?? '').includes('wrk')) throw error;
    });
    return true;
  } catch {
    return false;
  }
}

const LUA = path.join(path.dirname(new URL(import.meta.url).pathname), '../../bench/load-wrk.lua');

async function withWrk(spec: HttpLoadSpec, bodies: string[]): Promise<LoadResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-wrk-'));
  try {
    const bodiesFile = bodies.length > 0 ? path.join(dir, 'bodies') : '';
    if (bodiesFile) fs.writeFileSync(bodiesFile, bodies.join('\x1e'));
    const idsFile = (spec.ids ?? []).length > 0 ? path.join(dir, 'ids') : '';
    if (idsFile) fs.writeFileSync(idsFile, (spec.ids ?? []).join('\n') + '\n');
    const resultFile = path.join(dir, 'result.json');
    const contentType =
      spec.method === 'GET'
        ? ''
        : spec.synthetic?.lines === undefined
          ? 'application/json'
          : 'application/x-ndjson';
    await promisify(execFile)(
      'wrk',
      [
        '-t',
        '1',
        '-c',
        String(spec.connections),
        '-d',
        `${spec.seconds}s`,
        '--timeout',
        '30s',
        '-s',
        LUA,
        spec.url,
        '--',
        spec.method,
        spec.path,
        spec.token,
        contentType,
        bodiesFile,
        idsFile,
      ],
      { env: { ...process.env, WRK_RESULT: resultFile }, maxBuffer: 1 << 24 },
    );
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as {
      requests: number;
      seconds: number;
      p50: number;
      p99: number;
      connectErrors: number;
      readErrors: number;
      writeErrors: number;
      timeouts: number;
      non2xx: number;
    };
    return {
      perSecond: r.requests / r.seconds,
      p50: r.p50,
      p99: r.p99,
      requests: r.requests,
      errors: r.connectErrors + r.readErrors + r.writeErrors + r.timeouts,
      non2xx: r.non2xx,
      statusCodes: {},
      generator: 'wrk',
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as HttpLoadSpec;
  const bodies = (spec.bodies ?? []).map((b) => JSON.stringify(b));
  if (spec.synthetic) {
    const generator = new SyntheticCases(spec.synthetic.seed ?? 1);
    const lines = spec.synthetic.lines;
    for (let i = 0; i < spec.synthetic.count; i++) {
      if (lines === undefined) bodies.push(JSON.stringify(generator.next()));
      else bodies.push(Array.from({ length: lines }, () => JSON.stringify(generator.next())).join('\n'));
    }
  }
  if (spec.rate !== undefined) {
    process.stdout.write(JSON.stringify(await openLoop({ ...spec, rate: spec.rate }, bodies)) + '\n');
    return;
  }
  if (await wrkAvailable()) {
    process.stdout.write(JSON.stringify(await withWrk(spec, bodies)) + '\n');
    return;
  }
  let next = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    headers: {
      authorization: `Bearer ${spec.token}`,
      'content-type': spec.synthetic?.lines === undefined ? 'application/json' : 'application/x-ndjson',
    },
    requests: [
      {
        method: spec.method,
        setupRequest: (request) => {
          const ids = spec.ids ?? [];
          const path =
            ids.length > 0
              ? spec.path.replace('{id}', ids[Math.floor(Math.random() * ids.length)])
              : spec.path;
          const out = { ...request, path };
          if (bodies.length > 0) out.body = bodies[next++ % bodies.length];
          return out;
        },
      },
    ],
  });
  const out: LoadResult = {
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    non2xx: result.non2xx,
    statusCodes: result.statusCodeStats as unknown as Record<string, unknown>,
    generator: 'autocannon',
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
