/**
 * `npm run bench -- fuzz [--runs N] [--target plan|models|inputs|frames|party] [--seed S] [--json]`:
 * the fuzz targets of test/fuzz (the same case generators and oracles as the CI tests)
 * run longer: N cases per target (default 10x the CI size). One row per target: cases,
 * outcomes by error code, slowest case, wall time and peak RSS. A bad case (not a named
 * error, too slow, memory growth) fails the run with fast-check's seed and counterexample.
 */
import { TfeError } from '../src/errors.js';
import { fuzz } from '../test/fuzz/harness.js';
import { FUZZ_TARGETS, isFuzzTargetName, type FuzzTargetName } from '../test/fuzz/targets.js';
import type { Row } from './stats.js';

export interface FuzzBenchOptions {
  readonly runs?: number;
  readonly target?: string;
  readonly seed?: number;
}

export async function benchFuzz(o: FuzzBenchOptions): Promise<Row[]> {
  const names: FuzzTargetName[] = o.target === undefined ? (Object.keys(FUZZ_TARGETS) as FuzzTargetName[]) : [checkTarget(o.target)];
  if (o.runs !== undefined && !(Number.isSafeInteger(o.runs) && o.runs > 0)) throw new TfeError('E_ARG', `--runs ${o.runs} is not a positive integer`);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw new TfeError('E_ARG', `--seed ${o.seed} is not an integer`);
  const rows: Row[] = [];
  for (const name of names) {
    const e = FUZZ_TARGETS[name];
    const tally = await fuzz(await e.make(), { runs: o.runs ?? 10 * e.ciRuns, seed: o.seed ?? 20261204, timeoutMs: e.timeoutMs });
    const row: Row = { bench: 'fuzz', target: name, cases: tally.cases, ok: tally.outcomes.ok ?? 0 };
    for (const [code, n] of Object.entries(tally.outcomes).sort()) if (code !== 'ok') row[code] = n;
    Object.assign(row, { slowest_ms: Math.round(tally.slowestMs), wall_s: Number((tally.wallMs / 1000).toFixed(1)), peak_rss_mb: Math.round(tally.peakRssMb) });
    rows.push(row);
  }
  return rows;
}

function checkTarget(t: string): FuzzTargetName {
  if (!isFuzzTargetName(t)) throw new TfeError('E_ARG', `unknown fuzz target '${t}'`, `targets: ${Object.keys(FUZZ_TARGETS).join(', ')}`);
  return t;
}
