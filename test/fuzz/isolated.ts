/**
 * Runs a fuzz target in a worker thread watched from this one, so that a case that
 * hangs synchronously (an endless loop, which no timer in its own thread can
 * interrupt) is caught too: the worker reports each case before running it, and a case
 * that runs past its bound (plus a slack of 2 s for garbage collection and shrinking
 * bookkeeping) terminates the worker and fails the run, naming the case.
 */
import { Worker } from 'node:worker_threads';
import type { FuzzOptions, FuzzTally } from './harness.js';
import type { FuzzTargetName } from './targets.js';

/** What the worker (fuzz-worker.ts) posts. */
export type WorkerMessage =
  | { readonly type: 'case'; readonly text: string }
  | { readonly type: 'done'; readonly tally: FuzzTally }
  | { readonly type: 'failed'; readonly message: string };

export interface WorkerData {
  readonly target: FuzzTargetName;
  readonly runs: number;
  readonly seed: number;
  readonly timeoutMs: number;
}

const SLACK_MS = 2000;

export function fuzzIsolated(target: FuzzTargetName, opts: FuzzOptions): Promise<FuzzTally> {
  const data: WorkerData = { target, runs: opts.runs, seed: opts.seed, timeoutMs: opts.timeoutMs };
  const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    let last = '(before the first case)';
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`fuzz ${target} (seed ${opts.seed}): a case ran longer than ${ms} ms and was stopped: ${last.slice(0, 4000)}`));
      }, ms);
    };
    // setting up a target (compiling a model) may take a while before the first case
    arm(60_000);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'case') {
        last = m.text;
        arm(opts.timeoutMs + SLACK_MS);
      } else {
        clearTimeout(timer);
        void worker.terminate();
        if (m.type === 'done') resolve(m.tally);
        else reject(new Error(m.message));
      }
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`fuzz ${target}: the worker crashed at case ${last.slice(0, 4000)}: ${e.stack ?? e.message}`));
    });
    worker.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fuzz ${target}: the worker exited (code ${code}) at case ${last.slice(0, 4000)}`));
    });
  });
}
