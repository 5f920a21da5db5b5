/**
 * The service under the V8 CPU profiler, for `npm run bench -- --profile`: the bench sends
 * `{ cmd: 'start' }` before a load and `{ cmd: 'stop', file }` after it over IPC; the profile of just that
 * load is written to `file` (open it in Chrome DevTools, or `node dist-bench/bench/profile-top.js file`).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';

const session = new Session();
session.connect();
await session.post('Profiler.enable');

process.on('message', (message: { cmd: 'start' | 'stop'; file?: string }) => {
  void (async () => {
    if (message.cmd === 'start') {
      await session.post('Profiler.start');
    } else if (message.file) {
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(message.file, JSON.stringify(profile));
    }
    process.send?.({ done: message.cmd });
  })();
});

await import('../src/main.js');
