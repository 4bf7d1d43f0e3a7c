/**
 * The exact comparison's kernel benchmark: one Pond `relu_s` (compareMul with one
 * payload: [x >= 0] and x * [x >= 0]) over n elements on lockstep parties (both
 * servers and the dealer in this process, in-memory links), with the measured rounds,
 * bytes per server and dealer bytes. ms is the median of whole runs (dealer material
 * included, as the dealer makes it concurrently with the servers here).
 */
import { LockstepParties } from '../runtime/party/lockstep.js';
import { pond } from '../runtime/protocols/pond/index.js';
import { planeKernelsFor } from '../runtime/protocols/pond/bitplanes-native.js';
import { secret, type Operand } from '../runtime/protocols/types.js';
import { defaultBackend } from '../runtime/ring/index.js';
import { ringTensor } from '../runtime/ring/tensor.js';
import type { Role } from '../runtime/transport/types.js';
import { Prg } from '../runtime/crypto/prg.js';
import { medianMs, type Row } from './stats.js';

export async function benchPondCompare(n: number, runs: number): Promise<Row> {
  const ring = defaultBackend();
  const dep = await LockstepParties.create({ ring });
  const prg = Prg.fresh();
  const x0 = ringTensor([n], prg.ring(n));
  const x1 = ringTensor([n], prg.ring(n));
  const ops = (role: Role): Operand[] => [secret([n], role === 'server0' ? x0 : role === 'server1' ? x1 : undefined)];
  const kernel = pond.get('relu_s');
  let last = { rounds: 0, bytes: {} as Record<Role, number>, dealerBytes: 0 };
  const ms = await medianMs(async () => {
    last = (await dep.run((ctx) => kernel.run(ctx, ops(ctx.role), {}))).stats;
  }, { runs });
  dep.close();
  return {
    bench: 'pond.compare', backend: ring.name, kernels: planeKernelsFor(ring).name, n, ms, ns_per_elem: (ms * 1e6) / n,
    rounds: last.rounds, bytes: last.bytes.server0 ?? 0, dealer_bytes: last.dealerBytes,
  };
}
