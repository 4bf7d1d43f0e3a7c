/**
 * A plan with several input and output roles, made WITHOUT the program builder (so the
 * runtime's multi-role sessions are tested independently of it): a two-input graph
 * (`relu(concat([a, b], 1) @ w)`, a and b of shape [N, 3], w [6, 2]) compiled as a model
 * (every role 'client' / 'model-owner'), then rewritten: input `b` comes from `bob`, `a`
 * from `alice`, the output goes to `analyst`; the plan id is recomputed. The plan
 * verifier runs on the result, as every party runs it.
 */
import { compile } from '../../compiler/compile.js';
import type { IrGraph, IrNode } from '../../src/ir/node.js';
import { makeConst } from '../../src/ir/tensor-data.js';
import { planDigest, planRoles, verifyPlan, type Plan, type Weights } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';

export const W = Float64Array.from([0.5, -1, 0.25, 0.75, -0.5, 1, 1, 0.5, -0.25, -0.75, 0.125, 0.5]);

/** relu(concat([a, b], 1) @ W) in float64, row by row (the plaintext reference). */
export function reference(a: readonly number[], b: readonly number[], rows: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const x = [...a.slice(r * 3, r * 3 + 3), ...b.slice(r * 3, r * 3 + 3)];
    for (let j = 0; j < 2; j++) out.push(Math.max(0, x.reduce((s, v, i) => s + v * W[i * 2 + j], 0)));
  }
  return out;
}

function graph(batch: number): IrGraph {
  const ph = (id: string): IrNode => ({ id, op: 'Placeholder', inputs: [], attrs: {}, dtype: 'float32', shape: [batch, 3] });
  const nodes: IrNode[] = [
    ph('a'), ph('b'),
    makeConst('axis', 'int32', [], Float64Array.of(1)),
    { id: 'ab', op: 'Concat', inputs: ['a', 'b', 'axis'], attrs: {}, dtype: 'float32', shape: undefined },
    makeConst('w', 'float32', [6, 2], W),
    { id: 'mm', op: 'MatMul', inputs: ['ab', 'w'], attrs: {}, dtype: 'float32', shape: undefined },
    { id: 'y', op: 'Relu', inputs: ['mm'], attrs: {}, dtype: 'float32', shape: undefined },
  ];
  return { nodes, inputs: ['a', 'b'], outputs: ['y'], source: { format: 'test', path: 'multi-role' } };
}

/** The plan with roles alice (a), bob (b), model-owner (w) and analyst (y), for `protocol`. */
export async function multiRolePlan(protocol: string, batch = -1): Promise<{ plan: Plan; weights: Weights }> {
  const c = await compile(graph(batch), { protocol, inputRange: [-8, 8] });
  const byTensor = (id: string): string => {
    const b = c.plan.inputs.find((x) => x.tensor === id);
    return b ? (b.name.startsWith('b') ? 'bob' : 'alice') : 'analyst';
  };
  const tensors = c.plan.tensors.map((t) => (t.owner === 'client' ? { ...t, owner: byTensor(t.id) } : t));
  const steps = c.plan.steps.map((s) => {
    if (s.attrs.owner === 'client') return { ...s, attrs: { ...s.attrs, owner: byTensor(s.inputs[0]) } };
    if (s.attrs.to === 'client') return { ...s, attrs: { ...s.attrs, to: 'analyst' } };
    return s;
  });
  const inputs = c.plan.inputs.map((b) => ({ ...b, provider: byTensor(b.tensor) }));
  const outputs = c.plan.outputs.map((o) => ({ ...o, receiver: 'analyst' }));
  const roles = planRoles(protocolSpec(protocol), [...inputs.map((b) => b.provider), ...c.plan.weights.map((w) => w.owner)], outputs.map((o) => o.receiver));
  const draft = { ...c.plan, tensors, steps, inputs, outputs, roles };
  const plan: Plan = { ...draft, planId: planDigest(draft) };
  verifyPlan(plan);
  return { plan, weights: { manifest: { ...c.weights.manifest, planId: plan.planId }, data: c.weights.data } };
}
