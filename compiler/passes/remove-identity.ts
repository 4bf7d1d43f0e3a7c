/**
 * remove-identity: removes nodes that compute nothing: Identity (incl. the Identity an
 * inference-mode Dropout becomes), and the leftovers of a dropout fed keep_prob=1:
 * multiplication or division by a scalar 1, addition or subtraction of a scalar 0.
 * An Identity that is a graph output keeps its name: its operand is renamed to it
 * when nothing else uses the operand. Constants left unused are dropped. One sweep
 * in topological order (chains of pass-through nodes resolve as they are met).
 */
import { removeDeadNodes, useCounts } from '../../src/ir/graph.js';
import type { IrNode } from '../../src/ir/node.js';
import { constNumbers } from '../../src/ir/tensor-data.js';
import type { Pass } from './pass.js';

/** The operand a node passes through unchanged, or undefined when it computes something. */
function passThrough(n: IrNode, byId: ReadonlyMap<string, IrNode>): string | undefined {
  if (n.op === 'Identity') return n.inputs[0];
  const neutral = n.op === 'Mul' || n.op === 'RealDiv' ? 1 : n.op === 'Add' || n.op === 'Sub' ? 0 : undefined;
  if (neutral === undefined) return undefined;
  const [x, c] = n.inputs.map((i) => byId.get(i) as IrNode);
  const v = constNumbers(c);
  if (!v || v.length !== 1 || v[0] !== neutral || !c.shape) return undefined;
  // Broadcasting with the constant must not change the shape: a scalar, or a rank no larger than x's.
  if (c.shape.length > 0 && !(x.shape && x.shape.length >= c.shape.length)) return undefined;
  return x.dtype === n.dtype ? x.id : undefined;
}

export const removeIdentityPass: Pass = {
  name: 'remove-identity',
  purpose: 'remove Identity, inference Dropout leftovers, x*1 and x+0',
  run(g) {
    const outputs = new Set(g.outputs);
    const uses = useCounts(g);
    /** Removed node id -> the id that now stands for its value. */
    const alias = new Map<string, string>();
    /** Kept node id -> its new id (an operand renamed to the output Identity it fed). */
    const renamed = new Map<string, string>();
    const byId = new Map<string, IrNode>();
    const kept: IrNode[] = [];
    const resolve = (id: string): string => alias.get(id) ?? id;
    for (const n0 of g.nodes) {
      const n: IrNode = n0.inputs.some((i) => alias.has(i)) ? { ...n0, inputs: n0.inputs.map(resolve) } : n0;
      byId.set(n.id, n);
      const src = passThrough(n, byId);
      if (src !== undefined && !outputs.has(n.id)) {
        alias.set(n.id, src);
        continue;
      }
      const srcNode = src !== undefined ? byId.get(src) : undefined;
      if (srcNode && uses.get(src as string) === 1 && srcNode.op !== 'Placeholder' && !outputs.has(srcNode.id) && !renamed.has(srcNode.id)) {
        // Output Identity of a value used only here: the value takes the output's name.
        renamed.set(srcNode.id, n.id);
        continue;
      }
      kept.push(n);
    }
    const name = (id: string): string => renamed.get(id) ?? id;
    const nodes = kept.map((n) => ({ ...n, id: name(n.id), inputs: n.inputs.map(name) }));
    return removeDeadNodes({ ...g, nodes, outputs: g.outputs.map((o) => name(resolve(o))) });
  },
};
