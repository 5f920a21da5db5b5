/**
 * An open-loop HTTP load for `npm run bench`: requests arrive at a fixed mean rate (exponential gaps, as
 * `pgbench --rate` schedules its transactions), whatever the service's answers do, over at most
 * `connections` keep-alive connections; each latency runs from the request's scheduled time, so a request
 * that waited for a free connection or for a late event loop counts its wait (no coordinated omission),
 * as pgbench counts its schedule lag. wrk and autocannon are closed loops: each connection sends its next
 * request when the previous answer arrives, so at N clients the mean latency is N / throughput (Little's
 * law) and their latencies say how fast each side is, not how long a request waits at a given traffic.
 */
import http from 'node:http';
import type { HttpLoadSpec, LoadResult } from './load-http.js';

/**
 * The first second of the schedule is not measured (nor is pgbench's, bench.ts): the connections are opened
 * then, and the requests scheduled meanwhile wait for them.
 */
export const OPEN_LOOP_WARMUP_MS = 1000;

/** How long to wait for the last requests after the schedule ends. */
const DRAIN_MS = 30_000;

export async function openLoop(spec: HttpLoadSpec & { rate: number }, bodies: string[]): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const ids = spec.ids ?? [];
  const contentType = spec.synthetic?.lines === undefined ? 'application/json' : 'application/x-ndjson';
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let non2xx = 0;
  let inFlight = 0;
  let sent = 0;
  const start = performance.now();

  const send = (scheduled: number) =>
    new Promise<void>((resolve) => {
      inFlight++;
      const path =
        ids.length > 0 ? spec.path.replace('{id}', ids[Math.floor(Math.random() * ids.length)]) : spec.path;
      const body = bodies.length > 0 ? bodies[sent++ % bodies.length] : undefined;
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: spec.method,
          path,
          agent,
          headers: {
            authorization: `Bearer ${spec.token}`,
            ...(body === undefined
              ? {}
              : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (scheduled >= start + OPEN_LOOP_WARMUP_MS) latencies.push(performance.now() - scheduled);
            const code = response.statusCode ?? 0;
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            if (code < 200 || code >= 300) non2xx++;
            inFlight--;
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors++;
        inFlight--;
        resolve();
      });
      request.end(body);
    });

  const end = start + spec.seconds * 1000;
  const pending: Promise<void>[] = [];
  let next = start;
  while (next < end) {
    const now = performance.now();
    if (next > now) await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - now)));
    // Every arrival already due is sent now, each timed from its own scheduled time.
    while (next <= performance.now() && next < end) {
      pending.push(send(next));
      next += -Math.log(1 - Math.random()) * (1000 / spec.rate);
    }
  }
  await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
  const seconds = spec.seconds - OPEN_LOOP_WARMUP_MS / 1000;
  errors += inFlight; // never answered within the drain: counted as errors
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    requests: latencies.length,
    errors,
    non2xx,
    statusCodes,
    generator: 'open loop',
  };
}
