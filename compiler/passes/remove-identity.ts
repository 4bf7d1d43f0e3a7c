/**
 * remove-identity: removes nodes that compute nothing: Identity (incl. the Identity an
 * inference-mode Dropout becomes), and the leftovers of a dropout fed keep_prob=1:
 * multiplication or division by a scalar 1, addition or subtraction of a scalar 0.
 * An Identity that is a graph output keeps its name: its operand is renamed to it
 * when nothing else uses the operand. Constants left unused are dropped.
 */
import { removeDeadNodes, rewireUses, useCounts } from '../../src/ir/graph.js';
import type { IrGraph, IrNode } from '../../src/ir/node.js';
import { constNumbers } from '../../src/ir/tensor-data.js';
import type { Pass } from './pass.js';

/** The operand a node passes through unchanged, or undefined when it computes something. */
function passThrough(n: IrNode, byId: Map<string, IrNode>): string | undefined {
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

function renameNode(g: IrGraph, from: string, to: string): IrGraph {
  const nodes = g.nodes.filter((n) => n.id !== to).map((n) => (n.id === from ? { ...n, id: to } : n));
  return rewireUses({ ...g, nodes }, from, to);
}

export const removeIdentityPass: Pass = {
  name: 'remove-identity',
  purpose: 'remove Identity, inference Dropout leftovers, x*1 and x+0',
  run(g) {
    let cur = g;
    for (let changed = true; changed;) {
      changed = false;
      const byId = new Map(cur.nodes.map((n) => [n.id, n]));
      const uses = useCounts(cur);
      for (const n of cur.nodes) {
        const src = passThrough(n, byId);
        if (src === undefined) continue;
        const srcNode = byId.get(src) as IrNode;
        if (!cur.outputs.includes(n.id)) {
          cur = rewireUses({ ...cur, nodes: cur.nodes.filter((m) => m.id !== n.id) }, n.id, src);
        } else if (uses.get(src) === 1 && srcNode.op !== 'Placeholder' && !cur.outputs.includes(src)) {
          cur = renameNode(cur, src, n.id);
        } else {
          continue;
        }
        changed = true;
        break;
      }
    }
    return removeDeadNodes(cur);
  },
};
