/**
 * Worker thread of the contamination scan: takes units from a shared counter until none is left.
 * The n-gram table and the seen flags are shared memory; nothing is copied per unit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { NgramTable, type NgramTableBuffers } from './ngram-table.js';
import { scanUnit, type ScanUnit } from './scan-unit.js';

interface WorkerInput {
  table: NgramTableBuffers;
  n: number;
  units: ScanUnit[];
  next: SharedArrayBuffer;
}

const input = workerData as WorkerInput;
const table = NgramTable.attach(input.table);
const next = new Int32Array(input.next);

async function main(): Promise<void> {
  let pending = 0;
  const flush = () => {
    if (pending > 0) parentPort!.postMessage({ kind: 'progress', bytes: pending });
    pending = 0;
  };
  for (;;) {
    const i = Atomics.add(next, 0, 1);
    if (i >= input.units.length) break;
    await scanUnit(table, input.n, input.units[i]!, i, (b) => {
      pending += b;
      if (pending > 64 << 20) flush();
    });
    flush();
  }
  parentPort!.postMessage({ kind: 'done' });
}

main().catch((e: unknown) => {
  parentPort!.postMessage({ kind: 'error', message: (e as Error).message });
});
