/**
 * The plaintext float64 interpreter of the TF-level IR: the reference semantics every
 * compiled plan is checked against. It runs the kernel registry of `src/ir/eval`
 * (shared with compile-time constant folding, so the folded and the interpreted
 * graph cannot disagree) after checking the feeds against the graph's inputs.
 */
import { TfeError } from '../../src/errors.js';
import { evaluateGraph } from '../../src/ir/eval/evaluate.js';
import type { Tensor } from '../../src/ir/eval/tensor.js';
import type { IrGraph } from '../../src/ir/node.js';

export interface PlainTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Strips a `:0` output suffix from a tensor name. */
function nodeName(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

/**
 * Runs `g` on `feeds` (keyed by input id, `x` or `x:0`) and returns its outputs keyed
 * by output id. Each feed must match its Placeholder's shape (-1 matches any size)
 * and hold exactly as many values as its shape says: E_ARG otherwise.
 */
export function runIr(g: IrGraph, feeds: Readonly<Record<string, PlainTensor>>): Record<string, PlainTensor> {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const values = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(feeds)) {
    const id = byId.has(name) ? name : nodeName(name);
    const n = byId.get(id);
    if (!n || n.op !== 'Placeholder') {
      throw new TfeError('E_ARG', `feed "${name}" is not an input of the graph`, `the inputs are: ${g.inputs.join(', ')}`);
    }
    const want = n.shape;
    if (want && (want.length !== t.shape.length || want.some((d, i) => d >= 0 && d !== t.shape[i]))) {
      throw new TfeError('E_ARG', `feed "${name}" has shape [${t.shape.join(',')}], the input needs [${want.join(',')}]`);
    }
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length) throw new TfeError('E_ARG', `feed "${name}" has ${t.data.length} values for shape [${t.shape.join(',')}]`);
    values.set(id, { shape: [...t.shape], data: t.data });
  }
  const outs = evaluateGraph(g, values);
  const result: Record<string, PlainTensor> = {};
  g.outputs.forEach((o, i) => {
    result[o] = outs[i];
  });
  return result;
}
