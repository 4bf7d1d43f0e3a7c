/**
 * relu-maxpool-swap: maxpool(relu(x)) = relu(maxpool(x)) (both are monotone and relu
 * commutes with max), so the exact ReLU runs on the pooled tensor, k times smaller
 * for a k-element window: same result, fewer comparisons. Applied when the relu's
 * only use is the maxpool.
 */
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { ringNodeMap, ringUses } from './graph.js';
import type { RingPass } from './pass.js';

function run(g: RingGraph): RingGraph {
  const byId = ringNodeMap(g);
  const uses = ringUses(g);
  const swapped = new Map<string, RingNode[]>();
  const drop = new Set<string>();
  for (const n of g.nodes) {
    const r = byId.get(n.inputs[0]);
    if (n.op !== 'maxpool' || r?.op !== 'relu' || uses.get(r.id) !== 1 || r.approximation) continue;
    // pool the relu's operand (keeping the pool's id for the relu's result)
    const pool: RingNode = { ...n, id: `${n.id}/pool`, inputs: [r.inputs[0]] };
    const relu: RingNode = { ...r, id: n.id, inputs: [pool.id], shape: n.shape, source: r.source };
    swapped.set(n.id, [pool, relu]);
    drop.add(r.id);
  }
  const nodes = g.nodes.flatMap((n) => (drop.has(n.id) ? [] : swapped.get(n.id) ?? [n]));
  return { ...g, nodes };
}

export const reluMaxpoolSwapPass: RingPass = {
  name: 'relu-maxpool-swap',
  purpose: 'compute relu after maxpool instead of before (same result, fewer comparisons)',
  run,
};
