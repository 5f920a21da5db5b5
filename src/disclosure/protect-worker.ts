/**
 * Worker thread of protectTableAsync: runs protectTable for one request at a time and posts the result, or the
 * error as plain data (name, message, refusal reason).
 */
import { parentPort } from 'node:worker_threads';
import { DisclosureInputError, DisclosureRefusal } from './errors.js';
import { protectTable } from './protect-table.js';
import { decisionsToWire, tableFromWire, type WireTable } from './wire.js';

export interface WorkerRequest {
  id: number;
  input: WireTable;
  k: number;
  deadline: number;
}

parentPort?.on('message', ({ id, input, k, deadline }: WorkerRequest) => {
  try {
    const { wire, transfer } = decisionsToWire(protectTable(tableFromWire(input), { k, deadline }));
    parentPort?.postMessage({ id, table: wire }, transfer);
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
