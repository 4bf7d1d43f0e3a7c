/**
 * fold-constants: evaluates, with the IR's reference kernels, every node whose operands
 * are all constants (shape arithmetic such as Shape/StridedSlice/Pack, Rsqrt of a
 * variance, Identity of a weight, Cast...) and replaces it by a Const. Shape, Size and
 * Rank fold too when their operand's shape is static. Shapes are tracked on the way
 * (not required yet: a later pass infers them all). A folded Const keeps its operands'
 * visibility and owner marks (a value computed from a private constant stays private).
 */
import { evalNode } from '../../src/ir/eval/evaluate.js';
import { removeDeadNodes } from '../../src/ir/graph.js';
import type { IrNode } from '../../src/ir/node.js';
import { foldedConstMarks } from '../../src/ir/role-attrs.js';
import { inferShape } from '../../src/ir/shape-rules.js';
import { isStatic, makeConst } from '../../src/ir/tensor-data.js';
import type { Pass } from './pass.js';

/** Ops whose value depends only on the operand's shape. */
const SHAPE_ONLY = new Set(['Shape', 'Size', 'Rank']);

/** Largest folded result kept as a constant (elements); bigger ones (e.g. a huge Tile) stay as ops. */
const MAX_FOLDED_ELEMENTS = 1 << 24;

/** `c` with the visibility and owner marks its operands' values carry (src/ir/role-attrs.ts; none for a model). */
function withMarks(c: IrNode, operands: readonly IrNode[]): IrNode {
  const marks = foldedConstMarks(operands);
  return Object.keys(marks).length === 0 ? c : { ...c, attrs: { ...c.attrs, ...marks } };
}

export const foldConstantsPass: Pass = {
  name: 'fold-constants',
  purpose: 'evaluate every node whose operands are constants and replace it by a Const',
  run(g) {
    const done = new Map<string, IrNode>();
    const nodes: IrNode[] = [];
    for (const n0 of g.nodes) {
      const operands = n0.inputs.map((i) => done.get(i) as IrNode);
      const shape = n0.shape ?? inferShape(n0, operands);
      const n: IrNode = shape === n0.shape ? n0 : { ...n0, shape };
      let out = n;
      if (n.op !== 'Placeholder' && n.op !== 'Const') {
        if (operands.length > 0 && operands.every((o) => o.op === 'Const')) {
          const t = evalNode(n, operands.map((o) => evalNode(o, [])));
          if (t.data.length <= MAX_FOLDED_ELEMENTS) out = withMarks(makeConst(n.id, n.dtype, t.shape, t.data), operands);
        } else if (SHAPE_ONLY.has(n.op) && isStatic(operands[0].shape)) {
          const s = operands[0].shape;
          const t = evalNode(n, [{ shape: s, data: new Float64Array(s.reduce((a, d) => a * d, 1)) }]);
          out = makeConst(n.id, n.dtype, t.shape, t.data);
        }
      }
      done.set(out.id, out);
      nodes.push(out);
    }
    return removeDeadNodes({ ...g, nodes });
  },
};
