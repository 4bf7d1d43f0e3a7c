/**
 * Kernel benchmark: ring matmul for (m,k,n) in (1,784,128), (128,784,128),
 * (256,256,256), (512,512,512) on every available backend (native with 1 and 2
 * threads), in three paths: `flat` (the engine's flat kernel into a preallocated
 * output: the kernel's own speed), `composed` (RingBackend.matmul with an owned
 * out-parameter, as the Pond kernels call it: shape checks and dispatch included) and
 * `composed-fresh` (RingBackend.matmul returning a fresh tensor: the allocation and
 * its first-touch page faults included). Paths are interleaved run by run so that
 * load from other processes hits them alike. Also 10^6-element elementwise products, and one Pond secret matmul
 * 128x784x128 with its measured bytes. The BigInt reference runs only the smallest
 * shapes (it is the oracle, not a contender). Plus PRG throughput (bench/prg.ts):
 * Prg.ring(10^6) with the native AES-NI path and with node:crypto. And one exact
 * comparison (relu_s) of 10^5 elements (bench/compare.ts).
 */
import { LockstepParties } from '../runtime/party/lockstep.js';
import { pond } from '../runtime/protocols/pond/index.js';
import { secret, type Operand } from '../runtime/protocols/types.js';
import type { RingBackend } from '../runtime/ring/backend.js';
import type { FlatKernels } from '../runtime/ring/flat.js';
import { defaultBackend, tryBackend } from '../runtime/ring/index.js';
import { loadNativeKernels } from '../runtime/ring/native.js';
import { loadWasmKernels } from '../runtime/ring/wasm.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../runtime/ring/tensor.js';
import type { Role } from '../runtime/transport/types.js';
import { Prg } from '../runtime/crypto/prg.js';
import { benchPondCompare } from './compare.js';
import { benchPrg } from './prg.js';
import { median, medianMs, type Row } from './stats.js';

const SHAPES: readonly [number, number, number][] = [[1, 784, 128], [128, 784, 128], [256, 256, 256], [512, 512, 512]];
const prg = Prg.fresh();
const rand = (shape: Shape): RingTensor => ringTensor(shape, prg.ring(sizeOf(shape)));

/** `quick`: only the smallest shapes and few runs (the CI smoke test). */
export async function benchKernels(filter: { backend?: string; quick?: boolean }): Promise<Row[]> {
  const rows: Row[] = [];
  const backends = (['native', 'wasm', 'js'] as const)
    .filter((b) => !filter.backend || filter.backend === b)
    .map((b) => tryBackend(b))
    .filter((b): b is RingBackend => b !== undefined);
  for (const be of backends) {
    const threadCounts = be.name === 'native' ? [1, 2] : [1];
    const flat = flatOf(be);
    for (const [m, k, n] of SHAPES) {
      if ((be.name === 'js' || filter.quick) && m * k * n > 200_000) continue;
      for (const threads of threadCounts) {
        be.setThreads(threads);
        const a = rand([m, k]);
        const b = rand([k, n]);
        const out = ringTensor([m, n]);
        const paths: [string, () => unknown][] = [
          ...(flat ? [['flat', () => flat.matmul(a.data, b.data, out.data, m, k, n)] as [string, () => unknown]] : []),
          ['composed', () => be.matmul(a, b, out)],
          ['composed-fresh', () => be.matmul(a, b)],
        ];
        const runs = be.name === 'js' ? 3 : m * k * n > 1e8 ? 9 : 21;
        const times = interleaved(paths.map((p) => p[1]), runs);
        paths.forEach(([path], i) => {
          const ms = median(times[i]);
          rows.push({ bench: 'ring.matmul', backend: be.name, path, m, k, n, threads, ms, gmacs: (m * k * n) / (ms * 1e6) });
        });
      }
    }
    const size = be.name === 'js' || filter.quick ? 10_000 : 1_000_000;
    const x = rand([size]);
    const y = rand([size]);
    for (const threads of threadCounts) {
      be.setThreads(threads);
      const ms = await medianMs(() => be.mul(x, y), { runs: 21 });
      rows.push({ bench: 'ring.mul', backend: be.name, n: size, threads, ms, gmuls: size / (ms * 1e6) });
    }
  }
  rows.push(...(await benchPrg(1_000_000, filter.quick ? 5 : 21)));
  rows.push(await benchPondMatmul());
  rows.push(await benchPondCompare(filter.quick ? 1000 : 100_000, filter.quick ? 3 : 11));
  return rows;
}

/** The flat kernels behind a composed backend (undefined for the BigInt reference). */
function flatOf(be: RingBackend): FlatKernels | undefined {
  if (be.name === 'native') return loadNativeKernels();
  if (be.name === 'wasm') return loadWasmKernels();
  return undefined;
}

/** Wall times (ms) of each function over `runs` rounds, one run of each per round after one warm-up each. */
function interleaved(fs: readonly (() => unknown)[], runs: number): number[][] {
  const times = fs.map((): number[] => []);
  for (const f of fs) f();
  for (let r = 0; r < runs; r++) {
    fs.forEach((f, i) => {
      const t0 = performance.now();
      f();
      times[i].push(performance.now() - t0);
    });
  }
  return times;
}

/** One Pond matmul_ss 128x784x128 with cached weights (the steady state of private inference). */
async function benchPondMatmul(): Promise<Row> {
  const ring = defaultBackend();
  const dep = await LockstepParties.create({ ring });
  const [m, k, n] = [128, 784, 128];
  const x = rand([m, k]);
  const w = rand([k, n]);
  const zero = (t: RingTensor) => ringTensor(t.shape, new BigUint64Array(t.data.length));
  const ops = (role: Role): Operand[] => {
    const srv = role === 'server0' || role === 'server1';
    return [secret([m, k], srv ? (role === 'server0' ? x : zero(x)) : undefined), secret([k, n], srv ? (role === 'server0' ? w : zero(w)) : undefined)];
  };
  const kernel = pond.get('matmul_ss');
  const attrs = { cacheKey: 'w' };
  const operands = new Map(dep.roles.map((r) => [r, ops(r)]));
  // the weights' mask is opened once per deployment (a setup step), as in a plan
  await dep.run((ctx) => pond.get('mask_s').run(ctx, [(operands.get(ctx.role) ?? [])[1]], attrs));
  let last = { rounds: 0, bytes: {} as Record<Role, number>, dealerBytes: 0 };
  const ms = await medianMs(async () => {
    last = (await dep.run((ctx) => kernel.run(ctx, operands.get(ctx.role) ?? [], attrs))).stats;
  }, { runs: 9 });
  return { bench: 'pond.matmul', backend: ring.name, m, k, n, ms, rounds: last.rounds, bytes: last.bytes.server0 ?? 0, dealer_bytes: last.dealerBytes };
}
