/**
 * Native ring engine micro-benchmarks, called by the kernel benchmark (bench/main.ts):
 * matmul over Z_2^64 for the shapes that matter to inference (the MNIST dense
 * layer at batch 1 and 128, and square products) on every code path this CPU
 * runs and with 1 and 2 threads, reported in G multiply-adds per second
 * (m*k*n / seconds / 1e9); and a 10^6-element elementwise multiply.
 *
 * Times are wall-clock medians over several runs (thread counts interleaved, each
 * after one warm-up run); the best run is reported too, and the median process CPU time per run (all threads):
 * on a shared machine the wall-clock median includes preemption, while for one
 * thread the CPU time is close to the uncontended run time.
 * Run directly for a table: `node --import tsx bench/kernels-native.ts`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadNativeKernels, nativeLoadError, type NativeIsa, type NativeKernels } from '../runtime/ring/native.js';

export type MatmulShape = readonly [m: number, k: number, n: number];

/** The shapes of the issue: MNIST dense 784 -> 128 at batch 1 and 128, and 256^3, 512^3. */
export const DEFAULT_MATMUL_SHAPES: readonly MatmulShape[] = [
  [1, 784, 128], [128, 784, 128], [256, 256, 256], [512, 512, 512],
];

export interface NativeBenchOptions {
  /** Code paths to measure; default: every one this CPU runs except the avx512-emulated test path. */
  readonly isas?: readonly NativeIsa[];
  readonly threads?: readonly number[];
  readonly shapes?: readonly MatmulShape[];
  /** Elementwise size (default 10^6). */
  readonly elementwiseSize?: number;
  /** At least this many timed runs per case (default 7)... */
  readonly minRuns?: number;
  /** ...and more until this much time was spent, up to maxRuns (defaults 300 ms, 100). */
  readonly minTotalMs?: number;
  readonly maxRuns?: number;
}

export interface MatmulResult {
  readonly isa: NativeIsa;
  readonly threads: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly bestMs: number;
  /** Median process CPU time per run, summed over threads. */
  readonly cpuMs: number;
  /** G multiply-adds per second at the median time. */
  readonly gmacs: number;
  /** At the best time. */
  readonly bestGmacs: number;
  /** Per CPU second (for one thread: the rate when not preempted). */
  readonly cpuGmacs: number;
}

export interface ElementwiseResult {
  readonly isa: NativeIsa;
  readonly threads: number;
  readonly op: 'mul';
  readonly n: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly bestMs: number;
  readonly cpuMs: number;
  /** G elements per second at the median time. */
  readonly gelems: number;
}

export interface NativeBenchReport {
  /** The path the engine picks by itself on this CPU. */
  readonly defaultIsa: NativeIsa;
  readonly availableIsas: readonly NativeIsa[];
  readonly defaultThreads: number;
  readonly matmul: readonly MatmulResult[];
  readonly elementwise: readonly ElementwiseResult[];
}

function randomU64(n: number): BigUint64Array {
  const bytes = randomBytes(n * 8);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
}

interface Timing {
  readonly runs: number;
  readonly medianMs: number;
  readonly bestMs: number;
  readonly cpuMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Times `f` under each thread count, interleaved (a round runs every thread count
 * once) so that load from other processes hits all of them alike. After each
 * switch of thread count one untimed run lets the pool resize.
 */
function timeByThreads(k: NativeKernels, threadCounts: readonly number[], f: () => void, opts: NativeBenchOptions): Timing[] {
  const minRuns = opts.minRuns ?? 7;
  const maxRuns = Math.max(minRuns, opts.maxRuns ?? 100);
  const minTotal = opts.minTotalMs ?? 300;
  const ts: number[][] = threadCounts.map(() => []);
  const cpu: number[][] = threadCounts.map(() => []);
  let total = 0;
  let rounds = 0;
  while (rounds < minRuns || (total < minTotal * threadCounts.length && rounds < maxRuns)) {
    threadCounts.forEach((threads, i) => {
      k.setThreads(threads);
      f(); // warm-up: pool resize, caches
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f();
      const dt = performance.now() - t0;
      const c = process.cpuUsage(c0);
      ts[i].push(dt);
      cpu[i].push((c.user + c.system) / 1000);
      total += dt;
    });
    rounds++;
  }
  return ts.map((t, i) => ({ runs: t.length, medianMs: median(t), bestMs: Math.min(...t), cpuMs: median(cpu[i]) }));
}

/**
 * Measures the native matmul and elementwise multiply; undefined (with the reason
 * from nativeLoadError()) when the addon is not built. Restores the engine's ISA
 * and thread count afterwards.
 */
export function benchNativeMatmul(opts: NativeBenchOptions = {}): NativeBenchReport | undefined {
  const k: NativeKernels | undefined = loadNativeKernels();
  if (!k) return undefined;
  const isa0 = k.isa();
  const threads0 = k.threads();
  const isas = opts.isas ?? k.isas().filter((x) => x !== 'avx512-emulated');
  const threadCounts = opts.threads ?? [1, 2];
  const shapes = opts.shapes ?? DEFAULT_MATMUL_SHAPES;
  const matmul: MatmulResult[] = [];
  const elementwise: ElementwiseResult[] = [];
  try {
    for (const isa of isas) {
      k.setIsa(isa);
      for (const [m, kk, n] of shapes) {
        const a = randomU64(m * kk);
        const b = randomU64(kk * n);
        const out = new BigUint64Array(m * n);
        const macs = m * kk * n;
        timeByThreads(k, threadCounts, () => k.matmul(a, b, out, m, kk, n), opts).forEach((t, i) => {
          matmul.push({
            isa, threads: threadCounts[i], m, k: kk, n, ...t,
            gmacs: macs / (t.medianMs * 1e6),
            bestGmacs: macs / (t.bestMs * 1e6),
            cpuGmacs: macs / (t.cpuMs * 1e6),
          });
        });
      }
      const size = opts.elementwiseSize ?? 1_000_000;
      const x = randomU64(size);
      const y = randomU64(size);
      const out = new BigUint64Array(size);
      timeByThreads(k, threadCounts, () => k.mul(x, y, out), opts).forEach((t, i) => {
        elementwise.push({ isa, threads: threadCounts[i], op: 'mul', n: size, ...t, gelems: size / (t.medianMs * 1e6) });
      });
    }
  } finally {
    k.setIsa(isa0);
    k.setThreads(threads0);
  }
  return { defaultIsa: isa0, availableIsas: k.isas(), defaultThreads: threads0, matmul, elementwise };
}

/** The report as markdown tables (one row per case). */
export function formatNativeBench(r: NativeBenchReport): string {
  const lines = [
    `Native ring engine: default path ${r.defaultIsa} (available: ${r.availableIsas.join(', ')}), default threads ${r.defaultThreads}`,
    '',
    '| path | threads | m x k x n | median ms | GMAC/s (median) | GMAC/s (best) | GMAC per CPU-s |',
    '|---|---:|---|---:|---:|---:|---:|',
    ...r.matmul.map((x) => `| ${x.isa} | ${x.threads} | ${x.m} x ${x.k} x ${x.n} | ${x.medianMs.toFixed(3)} | ${x.gmacs.toFixed(2)} | ${x.bestGmacs.toFixed(2)} | ${x.cpuGmacs.toFixed(2)} |`),
    '',
    '| path | threads | op | elements | median ms | best ms | G elements/s (median) |',
    '|---|---:|---|---:|---:|---:|---:|',
    ...r.elementwise.map((x) => `| ${x.isa} | ${x.threads} | ${x.op} | ${x.n} | ${x.medianMs.toFixed(3)} | ${x.bestMs.toFixed(3)} | ${x.gelems.toFixed(3)} |`),
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = benchNativeMatmul();
  if (report) process.stdout.write(`${formatNativeBench(report)}\n`);
  else process.stdout.write(`native ring addon not available: ${nativeLoadError() ?? 'unknown reason'}\n`);
}
