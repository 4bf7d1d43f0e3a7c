/**
 * Runs one protocol kernel the way a plan would, under the protocol of the lockstep
 * parties it is given (Pond, securenn, ...): the client secret-shares the secret inputs
 * (the protocol's kernel `share`), the share-holding servers hold the public ones (a
 * dealer or helper server holds shapes only, as in a plan), every party runs the kernel
 * on its own operands concurrently, and the outputs are revealed to the client. Returns
 * the revealed outputs and the measured cost of the kernel alone.
 */
import type { LockstepParties, RunStats } from '../../runtime/party/lockstep.js';
import { kernelsFor } from '../../runtime/protocols/index.js';
import { pub, type Kernel, type KernelAttrs, type Operand } from '../../runtime/protocols/types.js';
import type { RingTensor } from '../../runtime/ring/tensor.js';
import type { Role } from '../../runtime/transport/types.js';
import { shareholders } from '../../src/protocols/spec.js';

export interface Input {
  readonly kind: 'secret' | 'public';
  readonly value: RingTensor;
}

export type Operands = Map<Role, Operand[]>;

export async function shareInputs(dep: LockstepParties, inputs: readonly Input[]): Promise<Operands> {
  const holders = new Set(shareholders(dep.protocol));
  const share = kernelsFor(dep.protocol.name).get('share');
  const { results } = await dep.run(async (ctx) => {
    const ops: Operand[] = [];
    for (const inp of inputs) {
      if (inp.kind === 'public') {
        ops.push(pub(inp.value.shape, holders.has(ctx.role) ? inp.value : undefined));
      } else {
        const mine = pub(inp.value.shape, ctx.role === 'client' ? inp.value : undefined);
        ops.push((await share.run(ctx, [mine], { owner: 'client' }))[0]);
      }
    }
    return ops;
  });
  return results;
}

const opened = new WeakMap<LockstepParties, Set<string>>();

/**
 * A product with attrs.cacheKey uses its second operand's mask, opened once per
 * deployment by a setup step (mask_s): run it first, once per parties and key, as a
 * plan's setup would.
 */
async function openMask(dep: LockstepParties, operands: Operands, attrs: KernelAttrs): Promise<void> {
  const key = attrs.cacheKey;
  if (typeof key !== 'string') return;
  const done = opened.get(dep) ?? new Set<string>();
  opened.set(dep, done);
  if (done.has(key)) return;
  const maskS = kernelsFor(dep.protocol.name).get('mask_s');
  await dep.run((ctx) => maskS.run(ctx, [(operands.get(ctx.role) ?? [])[1]], { cacheKey: key }));
  done.add(key);
}

export async function runKernel(dep: LockstepParties, kernel: Kernel, operands: Operands, attrs: KernelAttrs): Promise<{ outputs: Operands; stats: RunStats }> {
  await openMask(dep, operands, attrs);
  const { results, stats } = await dep.run((ctx) => kernel.run(ctx, operands.get(ctx.role) ?? [], attrs));
  return { outputs: results, stats };
}

export async function revealToClient(dep: LockstepParties, outputs: Operands): Promise<RingTensor[]> {
  const reveal = kernelsFor(dep.protocol.name).get('reveal');
  const { results } = await dep.run(async (ctx) => {
    const outs: (RingTensor | undefined)[] = [];
    for (const o of outputs.get(ctx.role) ?? []) {
      const r = await reveal.run(ctx, [o], { to: 'client' });
      outs.push(r[0].kind === 'public' ? r[0].value : undefined);
    }
    return outs;
  });
  return (results.get('client') ?? []).map((t) => {
    if (!t) throw new Error('client received no value');
    return t;
  });
}
