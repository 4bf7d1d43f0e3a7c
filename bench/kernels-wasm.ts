/**
 * Benchmarks of the wasm ring engine (runtime/ring/wasm.ts) through its FlatKernels
 * interface, so the numbers include the copies into and out of wasm memory:
 * matmul at the sizes the models use (a 784-input dense layer for one image and a
 * batch of 128, square 256 and 512) and a 10^6-element elementwise multiply.
 *
 * Wall-clock time per call (median and minimum over `runs` calls after warm-up
 * calls that let V8 tier the module up to optimised code). On a shared machine
 * the median is noisy; the minimum shows what the engine can do.
 *
 * `benchWasmMatmul()` is called by bench/main.ts; running this file directly
 * (`node dist/bench/kernels-wasm.js`) prints a table.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { TfeError } from '../src/errors.js';
import type { FlatKernels } from '../runtime/ring/flat.js';
import { loadWasmKernels } from '../runtime/ring/wasm.js';

export interface KernelTiming {
  /** 'matmul' or 'mul' (elementwise). */
  readonly kernel: string;
  /** [m, k, n] for matmul, [n] for elementwise. */
  readonly dims: readonly number[];
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  /** Median process CPU time per call: steadier than wall time when other work shares the cores. */
  readonly medianCpuMs: number;
  /** Billions of multiply-adds per second at the median (matmul: m*k*n; elementwise: n). */
  readonly gopsMedian: number;
  readonly gopsBest: number;
}

export interface WasmBenchOptions {
  /** Timed calls per size (default 9). */
  readonly runs?: number;
  /** Untimed calls first (default 3). */
  readonly warmup?: number;
}

/** The matmul sizes the issue asks for: [m, k, n]. */
export const WASM_MATMUL_SIZES: readonly (readonly [number, number, number])[] = [
  [1, 784, 128],
  [128, 784, 128],
  [256, 256, 256],
  [512, 512, 512],
];

/** Elements in the elementwise benchmark. */
export const WASM_ELEMENTWISE_SIZE = 1_000_000;

function randomRing(n: number): BigUint64Array {
  const bytes = randomBytes(n * 8);
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function time(f: () => void, runs: number, warmup: number): { medianMs: number; minMs: number; medianCpuMs: number } {
  for (let i = 0; i < warmup; i++) f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    f();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { medianMs: median(wall), minMs: Math.min(...wall), medianCpuMs: median(cpu) };
}

function kernels(): FlatKernels {
  const k = loadWasmKernels();
  if (!k) throw new TfeError('E_BACKEND', 'the wasm ring module is not built', 'run `npm run build:wasm`');
  return k;
}

/** Times wasm matmul at WASM_MATMUL_SIZES and an elementwise multiply of 10^6 elements. */
export function benchWasmMatmul(options: WasmBenchOptions = {}): KernelTiming[] {
  const runs = options.runs ?? 9;
  const warmup = options.warmup ?? 3;
  const k = kernels();
  const results: KernelTiming[] = [];
  for (const [m, kk, n] of WASM_MATMUL_SIZES) {
    const a = randomRing(m * kk);
    const b = randomRing(kk * n);
    const out = new BigUint64Array(m * n);
    const t = time(() => k.matmul(a, b, out, m, kk, n), runs, warmup);
    const macs = m * kk * n;
    results.push({
      kernel: 'matmul', dims: [m, kk, n], runs, ...t,
      gopsMedian: macs / (t.medianMs / 1e3) / 1e9, gopsBest: macs / (t.minMs / 1e3) / 1e9,
    });
  }
  const n = WASM_ELEMENTWISE_SIZE;
  const a = randomRing(n);
  const b = randomRing(n);
  const out = new BigUint64Array(n);
  const t = time(() => k.mul(a, b, out), runs, warmup);
  results.push({
    kernel: 'mul', dims: [n], runs, ...t,
    gopsMedian: n / (t.medianMs / 1e3) / 1e9, gopsBest: n / (t.minMs / 1e3) / 1e9,
  });
  return results;
}

/** A markdown table of the timings. */
export function wasmBenchTable(rows: readonly KernelTiming[]): string {
  const lines = [
    '| kernel | size | median ms | min ms | median CPU ms | G mul-add/s (median) | G mul-add/s (best) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| wasm ${r.kernel} | ${r.dims.join('x')} | ${r.medianMs.toFixed(3)} | ${r.minMs.toFixed(3)} | ${r.medianCpuMs.toFixed(3)} | ${r.gopsMedian.toFixed(2)} | ${r.gopsBest.toFixed(2)} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(wasmBenchTable(benchWasmMatmul({ runs: 15 })));
}
