/**
 * The securenn protocol's kernels (src/protocols/securenn.ts: SecureNN's model, three
 * servers, server2 the helper that holds no share and makes the correlated randomness).
 * Each kernel runs Pond's implementation unchanged (runtime/protocols/pond/, whose doc
 * comments give each algorithm's source and bounds): those functions already do the
 * right thing for each position in the material protocol: the share-holders (found
 * by the names server0 / server1) compute on shares, the material party (here the
 * helper server2, in Pond the dealer) makes its part of the randomness and holds
 * shape-only operands. What differs is the spec each is attached to: costs count the
 * helper's material as server2's bytes, and nothing may be revealed to server2.
 */
import { SECURENN_SPECS } from '../../../src/protocols/securenn.js';
import { pond } from '../pond/index.js';
import { KernelRegistry } from '../registry.js';
import { implement } from '../types.js';

export const securenn = new KernelRegistry('securenn', SECURENN_SPECS, pond.kernels().map((k) => {
  const spec = SECURENN_SPECS.get(k.name);
  if (!spec) throw new Error(`securenn has no spec for Pond kernel ${k.name}`);
  return implement(spec, k.run);
}));
