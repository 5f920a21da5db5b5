/**
 * The service under the V8 CPU profiler, for `npm run bench -- --profile` and `npm run bench:abuse`: the bench
 * sends `{ cmd: 'start' }` before a load and `{ cmd: 'stop', file }` after it over IPC; the profile of just that
 * load is written to `file` (open it in Chrome DevTools, or `node dist-bench/bench/profile-top.js file`).
 * `{ cmd: 'start', cpu: false }` and `{ cmd: 'stop' }` (no file) measure without the profiler. Either way the
 * reply to `stop` carries the event loop's delay over the load (monitorEventLoopDelay, ms).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const session = new Session();
session.connect();
await session.post('Profiler.enable');
let delay: IntervalHistogram | undefined;

process.on('message', (message: { cmd: 'start' | 'stop'; file?: string; cpu?: boolean }) => {
  void (async () => {
    let loopDelay: { p50: number; p99: number; max: number } | undefined;
    if (message.cmd === 'start') {
      delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      if (message.cpu !== false) await session.post('Profiler.start');
    } else {
      if (delay) {
        delay.disable();
        const ms = (ns: number) => Math.round(ns / 1e5) / 10;
        loopDelay = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
      }
      if (message.file) {
        const { profile } = await session.post('Profiler.stop');
        fs.writeFileSync(message.file, JSON.stringify(profile));
      }
    }
    process.send?.({ done: message.cmd, loopDelay });
  })();
});

await import('../src/main.js');
