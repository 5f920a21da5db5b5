// Registers test/ts-worker-hooks.mjs in a worker thread started on TypeScript sources (tests only).
import { register } from 'node:module';

register('./ts-worker-hooks.mjs', import.meta.url);
