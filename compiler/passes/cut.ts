/**
 * cut: makes each `--input NAME=SHAPE` tensor a graph input (a Placeholder of that
 * shape) and drops every node only it needed, so a model can be compiled from an
 * interior tensor (e.g. after an audio front-end the secure runtime cannot run).
 * Naming an existing Placeholder just fixes its shape. The graph's inputs become the
 * cut points followed by the original inputs still needed.
 */
import { TfeError } from '../../src/errors.js';
import { removeDeadNodes, resolveTensorName, unsupportedOp } from '../../src/ir/graph.js';
import type { IrNode } from '../../src/ir/node.js';
import type { Pass } from './pass.js';

export const cutPass: Pass = {
  name: 'cut',
  purpose: 'make each --input tensor a Placeholder of the given shape and drop what only it needed',
  run(g, opts) {
    if (opts.inputs.length === 0) return g;
    let nodes: IrNode[] = [...g.nodes];
    const cutIds: string[] = [];
    for (const spec of opts.inputs) {
      const id = resolveTensorName(g, spec.name, '--input');
      const old = nodes.find((n) => n.id === id) as IrNode;
      if (old.dtype === 'string') {
        throw new TfeError('E_ARG', `--input ${spec.name}: tensor "${id}" holds strings, it cannot be a numeric input`, 'cut at a float tensor further down the graph');
      }
      if (old.shape && old.shape.length !== spec.shape.length && old.op !== 'Placeholder') {
        throw new TfeError('E_SHAPE', `--input ${spec.name}: shape [${spec.shape.join(',')}] has rank ${spec.shape.length}, tensor "${id}" has shape [${old.shape.join(',')}]`);
      }
      // An existing input keeps its attributes (a recorded `shape` attr follows the new shape); a cut node starts clean.
      const attrs = old.op === 'Placeholder' && unsupportedOp(old) === undefined
        ? { ...old.attrs, ...(old.attrs.shape !== undefined ? { shape: [...spec.shape] } : {}) }
        : {};
      const ph: IrNode = { id, op: 'Placeholder', inputs: [], attrs, dtype: old.dtype, shape: [...spec.shape] };
      nodes = nodes.map((n) => (n.id === id ? ph : n));
      cutIds.push(id);
    }
    const inputs = [...cutIds, ...g.inputs.filter((i) => !cutIds.includes(i))];
    return removeDeadNodes({ ...g, nodes, inputs });
  },
};
