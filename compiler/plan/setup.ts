/**
 * The deployment's setup steps, added after lowering: what the model owner's process
 * sends once, before any prediction.
 *
 *  - A public weight tensor (a compiler constant such as a piecewise table, or a
 *    weight under --public-weights) is held by its owner like any weight; a `publish`
 *    step sends it to the servers in the clear, and the steps read the published copy.
 *    (Servers never read weights.bin: only the model owner does.)
 *  - Each secret weight used as the cached operand of a product (attrs.cacheKey) gets
 *    a `mask_s` step: its Beaver mask is drawn and opened once per deployment, so each
 *    prediction opens only its input side.
 */
import type { PlanStep, PlanTensor } from '../../src/plan/schema.js';
import type { ProtocolSpec } from '../../src/protocols/spec.js';
import type { LoweredProgram } from '../lower/lower.js';

const batch1 = (s: readonly number[]): number[] => s.map((d) => (d < 0 ? 1 : d));

export function addSetupSteps(p: LoweredProgram, protocol: ProtocolSpec): LoweredProgram {
  const tensors: PlanTensor[] = p.tensors.map((t) => ({ ...t }));
  const byId = new Map(tensors.map((t) => [t.id, t]));
  const setupSteps: PlanStep[] = [...p.setupSteps];
  let next = tensors.length;
  const fresh = (t: Omit<PlanTensor, 'id'>): PlanTensor => {
    let id = `t${next++}`;
    while (byId.has(id)) id = `t${next++}`;
    const n = { id, ...t };
    tensors.push(n);
    byId.set(id, n);
    return n;
  };
  const step = (kernel: string, input: PlanTensor, output: PlanTensor, attrs: PlanStep['attrs'], source: string): PlanStep => {
    const spec = protocol.kernels.get(kernel);
    if (!spec) throw new Error(`protocol ${protocol.name} lacks ${kernel}`);
    return { kernel, inputs: [input.id], outputs: [output.id], attrs, source, reveals: spec.reveals, cost: spec.cost([batch1(input.shape)], attrs, { warm: true }) };
  };

  const published = new Map<string, string>();
  for (const w of p.weights) {
    const t = byId.get(w.tensor) as PlanTensor;
    if (t.visibility !== 'public') continue;
    // the lowering names the weights' owner on every weight tensor (lower.ts LowerRoles)
    const owner = t.owner;
    if (owner === undefined) throw new Error(`public weight tensor ${t.id} has no owner`);
    const copy = fresh({ shape: t.shape, scale: t.scale, visibility: 'public', ...(t.name !== undefined ? { name: t.name } : {}) });
    t.visibility = 'private';
    t.owner = owner;
    setupSteps.push(step('publish', t, copy, { owner }, t.name ?? t.id));
    published.set(t.id, copy.id);
  }
  const rename = (ids: readonly string[]): string[] => ids.map((id) => published.get(id) ?? id);
  const steps = p.steps.map((s) => ({ ...s, inputs: rename(s.inputs) }));

  const masked = new Set<string>();
  for (const s of steps) {
    const key = s.attrs.cacheKey;
    if (typeof key !== 'string' || masked.has(key)) continue;
    masked.add(key);
    const w = byId.get(s.inputs[1]) as PlanTensor;
    const mask = fresh({ shape: w.shape, scale: w.scale, visibility: 'public', name: `${w.name ?? w.id}/mask` });
    setupSteps.push(step('mask_s', w, mask, { cacheKey: key }, s.source));
  }
  return { ...p, tensors, setupSteps, steps };
}
