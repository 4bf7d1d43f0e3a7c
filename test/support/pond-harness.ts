/**
 * Runs one protocol kernel the way a plan would: the client secret-shares the secret
 * inputs (kernel `share`), the servers hold the public ones, every party runs the
 * kernel on its own operands concurrently, and the outputs are revealed to the client.
 * Returns the revealed outputs and the measured cost of the kernel alone.
 */
import type { LocalDeployment, RunStats } from '../../runtime/party/local.js';
import { pond } from '../../runtime/protocols/pond/index.js';
import { pub, type Kernel, type KernelAttrs, type Operand } from '../../runtime/protocols/types.js';
import type { RingTensor } from '../../runtime/ring/tensor.js';
import type { Role } from '../../runtime/transport/types.js';

export interface Input {
  readonly kind: 'secret' | 'public';
  readonly value: RingTensor;
}

export type Operands = Map<Role, Operand[]>;

export async function shareInputs(dep: LocalDeployment, inputs: readonly Input[]): Promise<Operands> {
  const { results } = await dep.run(async (ctx) => {
    const ops: Operand[] = [];
    for (const inp of inputs) {
      if (inp.kind === 'public') {
        ops.push(pub(inp.value.shape, ctx.role === 'server0' || ctx.role === 'server1' ? inp.value : undefined));
      } else {
        const mine = pub(inp.value.shape, ctx.role === 'client' ? inp.value : undefined);
        ops.push((await pond.get('share').run(ctx, [mine], { owner: 'client' }))[0]);
      }
    }
    return ops;
  });
  return results;
}

export async function runKernel(dep: LocalDeployment, kernel: Kernel, operands: Operands, attrs: KernelAttrs): Promise<{ outputs: Operands; stats: RunStats }> {
  const { results, stats } = await dep.run((ctx) => kernel.run(ctx, operands.get(ctx.role) ?? [], attrs));
  return { outputs: results, stats };
}

export async function revealToClient(dep: LocalDeployment, outputs: Operands): Promise<RingTensor[]> {
  const { results } = await dep.run(async (ctx) => {
    const outs: (RingTensor | undefined)[] = [];
    for (const o of outputs.get(ctx.role) ?? []) {
      const r = await pond.get('reveal').run(ctx, [o], { to: 'client' });
      outs.push(r[0].kind === 'public' ? r[0].value : undefined);
    }
    return outs;
  });
  return (results.get('client') ?? []).map((t) => {
    if (!t) throw new Error('client received no value');
    return t;
  });
}
