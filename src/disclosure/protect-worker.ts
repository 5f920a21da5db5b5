/**
 * Worker thread of protectTableAsync: runs protectTable for one request at a time and answers with the
 * decisions, or the error as plain data (name, message, refusal reason), both as a result of the pool's job.
 */
import { serveWorker } from '../common/worker-pool.js';
import { DisclosureInputError, DisclosureRefusal, type RefusalReason } from './errors.js';
import { protectTable } from './protect-table.js';
import { decisionsToWire, tableFromWire, type WireDecisions, type WireTable } from './wire.js';

export interface WorkerRequest {
  input: WireTable;
  k: number;
  deadline: number;
}

export type WorkerReply =
  | { table: WireDecisions }
  | { error: { name: string; message: string; reason?: RefusalReason; input: boolean } };

serveWorker(
  ({ input, k, deadline }: WorkerRequest) => {
    try {
      const { wire, transfer } = decisionsToWire(protectTable(tableFromWire(input), { k, deadline }));
      return { result: { table: wire } satisfies WorkerReply, transfer };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const reply: WorkerReply = {
        error: {
          name: e.name,
          message: e.message,
          reason: error instanceof DisclosureRefusal ? error.reason : undefined,
          input: error instanceof DisclosureInputError,
        },
      };
      return { result: reply };
    }
  },
  // The budget is wall-clock time: at a lowered priority a busy machine would spend it.
  { lowerPriority: false },
);
