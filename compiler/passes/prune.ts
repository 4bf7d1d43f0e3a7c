/**
 * prune: keeps only the nodes the requested outputs (`--output`, default the graph's
 * outputs) depend on; inputs they do not need are dropped from the graph's inputs.
 */
import { removeDeadNodes, resolveTensorName } from '../../src/ir/graph.js';
import type { Pass } from './pass.js';

export const prunePass: Pass = {
  name: 'prune',
  purpose: 'keep only what the requested outputs depend on',
  run(g, opts) {
    const outputs = opts.outputs.length > 0 ? opts.outputs.map((o) => resolveTensorName(g, o, '--output')) : g.outputs;
    return removeDeadNodes({ ...g, outputs });
  },
};
