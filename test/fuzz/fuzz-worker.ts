/** The worker side of isolated.ts: runs one fuzz target and posts each case, then the tally or the failure. */
import { parentPort, workerData } from 'node:worker_threads';
import { fuzz } from './harness.js';
import type { WorkerData, WorkerMessage } from './isolated.js';
import { FUZZ_TARGETS } from './targets.js';

const port = parentPort;
if (port) {
  const d = workerData as WorkerData;
  const post = (m: WorkerMessage): void => port.postMessage(m);
  try {
    const tally = await fuzz(await FUZZ_TARGETS[d.target].make(), { runs: d.runs, seed: d.seed, timeoutMs: d.timeoutMs, onCase: (text) => post({ type: 'case', text }) });
    post({ type: 'done', tally });
  } catch (e) {
    post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  }
}
