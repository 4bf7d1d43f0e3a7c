/**
 * visibility: who may see each value. The client's inputs are secret (shared by the
 * client); the model's parameters (weights, biases, any model constant) are secret,
 * owned by the model owner, unless --public-weights makes them public (the servers
 * then see the model in the clear: this reveals the model); compiler constants (a
 * clamp's 1, Relu6's 6, a mean's 1/count) are public; a computed value is secret when
 * any operand is, and public only when computed from public values alone. A constant
 * marked private (a program's privateVariable: attrs.visibility) is secret whatever
 * --public-weights says; one marked public (a program's constant) is not a parameter,
 * so it is public.
 */
import type { RingGraph, Visibility } from '../../src/ir/ring-ops.js';
import type { SecureOptions } from './options.js';
import type { RingPass } from './pass.js';

function run(g: RingGraph, opts: SecureOptions): RingGraph {
  const vis = new Map<string, Visibility>();
  const nodes = g.nodes.map((n) => {
    let v: Visibility;
    if (n.op === 'input') v = 'secret';
    else if (n.op === 'const') v = n.attrs.visibility === 'private' || (n.attrs.param === true && !opts.publicWeights) ? 'secret' : 'public';
    else v = n.inputs.some((i) => vis.get(i) === 'secret') ? 'secret' : 'public';
    vis.set(n.id, v);
    return { ...n, vis: v };
  });
  return { ...g, nodes };
}

export const visibilityPass: RingPass = {
  name: 'visibility',
  purpose: 'mark every value secret or public (inputs and weights secret, compiler constants public)',
  run,
};
