/**
 * shape-inference: gives every node its output shape and propagates dtypes, with the
 * batch dimension symbolic (-1) unless an --input fixed it. A node whose shape cannot
 * be known (an input without a shape, a shape operand that is not a constant) or
 * whose operands contradict its op is E_SHAPE naming the node. Shapes a frontend
 * recorded are replaced by the inferred ones (they may predate a --input cut).
 */
import { TfeError } from '../../src/errors.js';
import type { IrNode } from '../../src/ir/node.js';
import { dataInputPositions, OP_SPECS } from '../../src/ir/op-specs.js';
import { inferShape } from '../../src/ir/shape-rules.js';
import type { Pass } from './pass.js';

function whyUnknown(n: IrNode, operands: readonly IrNode[]): TfeError {
  if (n.op === 'Placeholder') {
    return new TfeError('E_SHAPE', `input "${n.id}" has no known shape`, `give it with --input ${n.id}=SHAPE (e.g. ${n.id}=1x10, -1 for the batch)`);
  }
  const unshaped = operands.find((o) => !o.shape);
  if (unshaped) return new TfeError('E_SHAPE', `node "${n.id}" (${n.op}): operand "${unshaped.id}" has no known shape`);
  const dynamic = operands.slice(1).find((o) => o.op !== 'Const');
  return new TfeError(
    'E_SHAPE',
    `node "${n.id}" (${n.op}): its shape depends on operand "${dynamic?.id ?? '?'}" (${dynamic?.op ?? '?'}), which is not a constant`,
    'a shape computed from the batch size cannot be resolved; fix the batch with --input NAME=SHAPE',
  );
}

export const shapeInferencePass: Pass = {
  name: 'shape-inference',
  purpose: 'give every node its shape (batch -1 unless fixed) and propagate dtypes',
  run(g) {
    const done = new Map<string, IrNode>();
    const nodes = g.nodes.map((n0) => {
      const operands = n0.inputs.map((i) => done.get(i) as IrNode);
      const spec = OP_SPECS[n0.op];
      let dtype = n0.dtype;
      if (spec.dtype === 'same') {
        const data = dataInputPositions(spec, operands.length);
        if (data.length > 0) dtype = operands[data[0]].dtype;
      }
      const n1: IrNode = dtype === n0.dtype ? n0 : { ...n0, dtype };
      const shape = inferShape(n1, operands);
      if (!shape) throw whyUnknown(n1, operands);
      const n: IrNode = { ...n1, shape: [...shape] };
      done.set(n.id, n);
      return n;
    });
    return { ...g, nodes };
  },
};
