/**
 * const-feed: replaces each `--const NAME=VALUE` input by a constant of its shape
 * (e.g. keep_prob=1.0 or is_training=0), so the branches that depended on it fold
 * away, and drops what is no longer needed.
 */
import { TfeError } from '../../src/errors.js';
import { removeDeadNodes, resolveTensorName } from '../../src/ir/graph.js';
import type { IrNode } from '../../src/ir/node.js';
import { isStatic, makeConst, numElements } from '../../src/ir/tensor-data.js';
import type { Pass } from './pass.js';

export const constFeedPass: Pass = {
  name: 'const-feed',
  purpose: 'replace each --const input by a constant and drop the branches only it fed',
  run(g, opts) {
    if (opts.consts.length === 0) return g;
    let nodes: IrNode[] = [...g.nodes];
    let inputs = [...g.inputs];
    for (const { name, value } of opts.consts) {
      const id = resolveTensorName(g, name, '--const');
      const ph = nodes.find((n) => n.id === id) as IrNode;
      if (ph.op !== 'Placeholder') {
        throw new TfeError('E_ARG', `--const ${name}: "${id}" is a ${ph.op}, not an input (Placeholder)`, 'use --input to cut the graph at an interior tensor');
      }
      if (ph.dtype === 'string') throw new TfeError('E_ARG', `--const ${name}: input "${id}" holds strings`);
      if (ph.shape && !isStatic(ph.shape)) {
        throw new TfeError('E_ARG', `--const ${name}: input "${id}" has a batch-sized shape`, 'only fixed-shape inputs (flags, rates) can be constants');
      }
      const shape = ph.shape ?? [];
      const c = makeConst(id, ph.dtype, shape, new Float64Array(numElements(shape)).fill(value));
      nodes = nodes.map((n) => (n.id === id ? c : n));
      inputs = inputs.filter((i) => i !== id);
    }
    return removeDeadNodes({ ...g, nodes, inputs });
  },
};
