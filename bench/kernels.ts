/**
 * Kernel benchmark: ring matmul for (m,k,n) in (1,784,128), (128,784,128),
 * (256,256,256), (512,512,512) on every available backend (native with 1 and 2
 * threads), 10^6-element elementwise products, and one Pond secret matmul
 * 128x784x128 with its measured bytes. The BigInt reference runs only the smallest
 * shapes (it is the oracle, not a contender). Plus PRG throughput (bench/prg.ts):
 * Prg.ring(10^6) with the native AES-NI path and with node:crypto. And one exact
 * comparison (relu_s) of 10^5 elements (bench/compare.ts).
 */
import { LockstepParties } from '../runtime/party/lockstep.js';
import { pond } from '../runtime/protocols/pond/index.js';
import { secret, type Operand } from '../runtime/protocols/types.js';
import type { RingBackend } from '../runtime/ring/backend.js';
import { defaultBackend, tryBackend } from '../runtime/ring/index.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../runtime/ring/tensor.js';
import type { Role } from '../runtime/transport/types.js';
import { Prg } from '../runtime/crypto/prg.js';
import { benchPondCompare } from './compare.js';
import { benchPrg } from './prg.js';
import { medianMs, type Row } from './stats.js';

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
    for (const [m, k, n] of SHAPES) {
      if ((be.name === 'js' || filter.quick) && m * k * n > 200_000) continue;
      for (const threads of threadCounts) {
        be.setThreads(threads);
        const a = rand([m, k]);
        const b = rand([k, n]);
        const ms = await medianMs(() => be.matmul(a, b), { runs: m * k * n > 1e8 ? 5 : 11 });
        rows.push({ bench: 'ring.matmul', backend: be.name, m, k, n, threads, ms, gmacs: (m * k * n) / (ms * 1e6) });
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
  const operands = new Map(['server0', 'server1', 'dealer', 'client', 'model-owner'].map((r) => [r as Role, ops(r as Role)]));
  // the weights' mask is opened once per deployment (a setup step), as in a plan
  await dep.run((ctx) => pond.get('mask_s').run(ctx, [(operands.get(ctx.role) ?? [])[1]], attrs));
  let last = { rounds: 0, bytes: {} as Record<Role, number>, dealerBytes: 0 };
  const ms = await medianMs(async () => {
    last = (await dep.run((ctx) => kernel.run(ctx, operands.get(ctx.role) ?? [], attrs))).stats;
  }, { runs: 9 });
  return { bench: 'pond.matmul', backend: ring.name, m, k, n, ms, rounds: last.rounds, bytes: last.bytes.server0 ?? 0, dealer_bytes: last.dealerBytes };
}
