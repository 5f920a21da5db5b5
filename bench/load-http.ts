/**
 * HTTP load generator of `npm run bench`, run as its own process so that the client never shares the
 * service's event loop: autocannon with a per-request setup (random case ids, a rotating pool of bodies).
 * Usage: node load-http.js <spec.json>; prints one JSON result line.
 */
import fs from 'node:fs';
import autocannon from 'autocannon';
import { SyntheticCases } from '../src/seed/synthetic.js';

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
  synthetic?: { seed: number; count: number; /** NDJSON bodies of this many cases each. */ lines?: number };
}

export interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, unknown>;
}

async function main(): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as HttpLoadSpec;
  const bodies = (spec.bodies ?? []).map((b) => JSON.stringify(b));
  if (spec.synthetic) {
    const generator = new SyntheticCases(spec.synthetic.seed);
    const lines = spec.synthetic.lines;
    for (let i = 0; i < spec.synthetic.count; i++) {
      if (lines === undefined) bodies.push(JSON.stringify(generator.next()));
      else bodies.push(Array.from({ length: lines }, () => JSON.stringify(generator.next())).join('\n'));
    }
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
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
