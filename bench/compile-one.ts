/**
 * Child process of bench/compile.ts: compiles one model (argv: index into
 * SHARED_MODEL_CASES), then prints one JSON line with the compile time (ms, the median of
 * five compiles after one warm-up compile that loads the frontends' dependencies) and the process's peak
 * resident memory (MB, from resourceUsage().maxRSS, so it includes Node itself).
 */
import { performance } from 'node:perf_hooks';
import { compile } from '../compiler/compile.js';
import { SHARED_MODEL_CASES } from '../test/compiler/shared-models.js';
import { sharedModel } from '../test/support/paths.js';

const m = SHARED_MODEL_CASES[Number(process.argv[2])];
const path = sharedModel(...m.path);
await compile(path, m.options);
const times: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  await compile(path, m.options);
  times.push(performance.now() - t0);
}
const ms = times.sort((a, b) => a - b)[2];
console.log(JSON.stringify({ ms, peak_mb: process.resourceUsage().maxRSS / 1024 }));
