/**
 * maxpool-plan: decides how each max-pool runs.
 *
 *  - Folds a ReLU into the pool: relu(maxpool(x)) = max(window, 0), so an exact ReLU
 *    whose only operand is a max-pool used nowhere else becomes the pool's
 *    attrs.relu: the zero joins the window's comparisons (one comparison layer instead
 *    of two). Runs after relu-maxpool-swap (which moves a ReLU before a pool after it)
 *    and before the activations pass; with --relu poly the ReLU is an approximation
 *    and stays.
 *  - Sets attrs.method from --maxpool: `auto` (the default: resolved per session by
 *    src/protocols/pond.ts maxpoolMethod), `pairs` for windows of at most
 *    PAIRWISE_MAX_CANDIDATES candidates (the zero included, else `tournament`), or
 *    `tournament`. Zoo net C at batch 1: 38 rounds and 6.1 MiB per server with pairs,
 *    64 rounds and 2.3 MiB with a tournament.
 */
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import { PAIRWISE_MAX_CANDIDATES } from '../../src/protocols/pond.js';
import { ringNodeMap, ringUses } from './graph.js';
import type { SecureOptions } from './options.js';
import type { RingPass } from './pass.js';

function candidates(n: RingNode): number {
  const k = n.attrs.ksize as readonly number[];
  return k[0] * k[1] + (n.attrs.relu === true ? 1 : 0);
}

function withMethod(n: RingNode, opts: SecureOptions): RingNode {
  const method = opts.maxpool === 'pairs' ? (candidates(n) <= PAIRWISE_MAX_CANDIDATES ? 'pairs' : 'tournament') : opts.maxpool;
  return { ...n, attrs: { ...n.attrs, method } };
}

function run(g: RingGraph, opts: SecureOptions): RingGraph {
  const byId = ringNodeMap(g);
  const uses = ringUses(g);
  const fused = new Map<string, RingNode>();
  const drop = new Set<string>();
  if (opts.relu === 'exact') {
    for (const n of g.nodes) {
      const p = byId.get(n.inputs[0]);
      if (n.op !== 'relu' || n.approximation || p?.op !== 'maxpool' || uses.get(p.id) !== 1 || p.attrs.relu === true) continue;
      // the pool takes the relu's id (its consumers' operand) and source
      fused.set(n.id, { ...p, id: n.id, attrs: { ...p.attrs, relu: true }, source: n.source });
      drop.add(p.id);
    }
  }
  const nodes = g.nodes.flatMap((n) => {
    if (drop.has(n.id)) return [];
    const m = fused.get(n.id) ?? n;
    return [m.op === 'maxpool' ? withMethod(m, opts) : m];
  });
  return { ...g, nodes };
}

export const maxpoolPlanPass: RingPass = {
  name: 'maxpool-plan',
  purpose: 'fold an exact relu after a maxpool into the pool, and choose each pool\'s method (all pairs or tournament)',
  run,
};
