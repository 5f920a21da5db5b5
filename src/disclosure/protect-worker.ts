/**
 * Worker thread of protectTableAsync: runs protectTable for one request at a time and posts the result, or the
 * error as plain data (name, message, refusal reason).
 */
import { parentPort } from 'node:worker_threads';
import { DisclosureInputError, DisclosureRefusal } from './errors.js';
import { protectTable } from './protect-table.js';
import type { TableInput } from './types.js';

export interface WorkerRequest {
  id: number;
  input: TableInput;
  k: number;
  deadline: number;
}

parentPort?.on('message', ({ id, input, k, deadline }: WorkerRequest) => {
  try {
    parentPort?.postMessage({ id, table: protectTable(input, { k, deadline }) });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort?.postMessage({
      id,
      error: {
        name: e.name,
        message: e.message,
        reason: error instanceof DisclosureRefusal ? error.reason : undefined,
        input: error instanceof DisclosureInputError,
      },
    });
  }
});
