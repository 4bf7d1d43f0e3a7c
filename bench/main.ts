/**
 * `npm run bench -- <name> [--json] [filters]`: the project's benchmarks.
 *   kernels [--backend native|wasm|js]                       ring kernels and one Pond matmul
 *   compile                                                  compile time and peak memory per shared model
 *   inference [--net A] [--batch 1] [--relu exact] [--maxpool auto|pairs|tournament] [--compare exact|fss|exact,fss] [--protocol pond|securenn|pond,securenn] [--runs N] [--deploy memory|processes]
 *                                                           private predictions of networks A-D vs tfjs
 *   serve [--net A] [--concurrency 1,4,16,64] [--requests N] [--protocol pond|securenn] [--out DIR|none] [--serve-args '--max-sessions 1 ...']
 *                                                           the HTTP prediction service (tfe serve) under closed-loop load;
 *                                                           writes bench/results/serve.svg
 *   program [--protocol pond|securenn|pond,securenn] [--runs N]
 *                                                           the API's examples: compile, runLocal, up (every role a process)
 *   native-isa                                               native matmul per code path (avx512/avx2/portable) and thread count
 *   fuzz [--runs N] [--target plan|models|inputs|frames|party] [--seed S]
 *                                                           the fuzz targets of test/fuzz, N cases each (default 10x CI)
 *   report [--runs N] [--nets A,B,C,D] [--batches 1,8,64] [--deploy memory|processes] [--from FILE.jsonl] [--out DIR]
 *                                                           inference over nets x batches (or saved rows) into
 *                                                           DIR (bench/results): report.md, latency.svg, rows.jsonl
 * Prints a markdown table, or with --json one JSON object per line (report: the files it wrote).
 */
import { parseArgs } from 'node:util';
import { benchCompile } from './compile.js';
import { benchFuzz } from './fuzz.js';
import { benchInference } from './inference.js';
import { benchKernels } from './kernels.js';
import { benchProgram } from './program.js';
import { benchReport } from './report.js';
import { benchServe } from './serve.js';
import { benchNativeMatmul } from './kernels-native.js';
import { report, type Row } from './stats.js';

type Opts = Record<string, string | boolean | undefined>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'string' ? Number.parseInt(v, 10) : undefined);

const BENCHES: Record<string, (opts: Opts) => Promise<Row[]>> = {
  kernels: (o) => benchKernels({ backend: str(o.backend) }),
  compile: () => benchCompile(),
  inference: (o) => benchInference({ net: str(o.net), batch: num(o.batch), relu: str(o.relu), maxpool: str(o.maxpool), compare: str(o.compare), protocol: str(o.protocol), runs: num(o.runs), deploy: str(o.deploy) }),
  serve: (o) => benchServe({ net: str(o.net), concurrency: str(o.concurrency), requests: num(o.requests), protocol: str(o.protocol), out: str(o.out), serveArgs: str(o['serve-args'])?.split(' ').filter(Boolean) }),
  program: (o) => benchProgram({ protocol: str(o.protocol), runs: num(o.runs) }),
  fuzz: (o) => benchFuzz({ runs: num(o.runs), target: str(o.target), seed: num(o.seed) }),
  'native-isa': async () => {
    const r = benchNativeMatmul();
    if (!r) throw new Error('the native addon is not built');
    return [
      ...r.matmul.map((m) => ({ bench: 'ring.matmul', backend: 'native', isa: m.isa, m: m.m, k: m.k, n: m.n, threads: m.threads, ms: m.medianMs, gmacs: m.gmacs, best_gmacs: m.bestGmacs, cpu_gmacs: m.cpuGmacs })),
      ...r.elementwise.map((e) => ({ bench: 'ring.mul', backend: 'native', isa: e.isa, n: e.n, threads: e.threads, ms: e.medianMs, gelems: e.gelems })),
    ];
  },
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      backend: { type: 'string' },
      net: { type: 'string' },
      batch: { type: 'string' },
      relu: { type: 'string' },
      maxpool: { type: 'string' },
      compare: { type: 'string' },
      protocol: { type: 'string' },
      runs: { type: 'string' },
      deploy: { type: 'string' },
      target: { type: 'string' },
      seed: { type: 'string' },
      nets: { type: 'string' },
      batches: { type: 'string' },
      from: { type: 'string' },
      out: { type: 'string' },
      concurrency: { type: 'string' },
      'serve-args': { type: 'string' },
      requests: { type: 'string' },
    },
  });
  if (positionals[0] === 'report') {
    if (positionals.length > 1) {
      console.error('error: report runs alone (it runs the inference benchmark itself)');
      return 2;
    }
    try {
      const out = await benchReport({ nets: values.nets ?? values.net, batches: values.batches ?? values.batch, runs: num(values.runs), deploy: values.deploy, relu: values.relu, maxpool: values.maxpool, from: values.from, out: values.out });
      for (const f of out.files) console.log(`wrote ${f}`);
      return 0;
    } catch (e) {
      console.error(`error: ${(e as Error).message}`);
      return 1;
    }
  }
  // serve starts a service and loads it for minutes: only when named
  const names = positionals.length ? positionals : Object.keys(BENCHES).filter((n) => n !== 'serve');
  for (const name of names) {
    const b = BENCHES[name];
    if (!b) {
      console.error(`error: unknown benchmark '${name}' (have: ${[...Object.keys(BENCHES), 'report'].join(', ')})`);
      return 2;
    }
    report(await b(values), values.json === true);
  }
  return 0;
}

process.exitCode = await main();
