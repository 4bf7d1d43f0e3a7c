/**
 * The `securenn` protocol: three servers, at most one of them corrupt (semi-honest),
 * no dealer. The model is SecureNN's (Wagh, Gupta, Chandran, "SecureNN: 3-Party Secure
 * Computation for Neural Network Training", PoPETs 2019(3), sec. 2 and 3): server0 and
 * server1 (SecureNN's P0, P1) hold 2-out-of-2 additive shares over Z_2^64; server2 (P2)
 * holds no share of anything and supplies the correlated randomness the other two
 * need (Beaver triples, as in SecureNN's MatMul, and the masks of truncation and
 * comparison), drawn from a PRG seed it sets up with each of them (so server0's part
 * costs no message and server1 receives only corrections).
 *
 * Inside that model the kernels are the fastest exact ones this project has, the same
 * functions Pond runs (runtime/protocols/securenn/ reuses runtime/protocols/pond/):
 *  - matmul / conv2d / mul: Beaver products on helper triples (SecureNN Alg. 1; Beaver,
 *    CRYPTO 1991), weight masks opened once per deployment;
 *  - truncation: exact, never large: open x + 2^62 + r with helper-made [r],
 *    [(r mod 2^63) >> d], [msb r] (Escudero, Ghosh, Keller, Rachuri, Scholl, "Improved
 *    Primitives for MPC over Mixed Arithmetic-Binary Circuits", CRYPTO 2020, sec. 4),
 *    ±1 in the last bit whenever |x| < 2^62; SecureNN's own local truncation (from
 *    SecureML) is NOT used: it fails with an error near 2^64 / 2^d with probability
 *    about |x| / 2^63 per element;
 *  - comparison (ReLU, max-pool, ArgMax): the carry-reduction tree on bit planes
 *    (8 rounds, ~31 B per element per server) or, with `--compare fss`, DCF keys made
 *    by the helper (Boyle et al., EUROCRYPT 2021, sec. 3: 1 round, ~2 KB of keys per
 *    comparison). SecureNN's PrivateCompare / ShareConvert / ComputeMSB (Alg. 3-5) take
 *    about 10 rounds and 10-20x the bytes of the carry tree, so they are not used.
 *
 * Trust: the same non-collusion assumption as Pond (no two of the three parties
 * collude, each follows the protocol), with the third party one of the deployment's
 * servers (kind `compute`, reported as server2's bytes) instead of an outside dealer.
 * It is not a stronger model than Pond's; README "Protocols" says so.
 *
 * The role names are load-bearing: the kernels find the share-holders by the names
 * server0 / server1, so the helper must not take either.
 */
import { TfeError } from '../errors.js';
import { POND, POND_SPECS, roleAttr } from './pond.js';
import type { Cost, KernelSpec, ProtocolSpec } from './spec.js';

export const SECURENN_SERVERS = ['server0', 'server1', 'server2'] as const;
/** The server that holds no shares and makes the correlated randomness (SecureNN's P2). */
export const SECURENN_HELPER = 'server2';

/** A Pond cost with the dealer's material counted as the helper server's bytes: securenn has no dealer. */
export function helperCost(c: Cost): Cost {
  if (c.dealerBytes === 0) return c;
  return { rounds: c.rounds, bytes: { ...c.bytes, [SECURENN_HELPER]: (c.bytes[SECURENN_HELPER] ?? 0) + c.dealerBytes }, dealerBytes: 0 };
}

function securennSpec(s: KernelSpec): KernelSpec {
  const spec: KernelSpec = { ...s, cost: (shapes, attrs, opts) => helperCost(s.cost(shapes, attrs, opts)) };
  if (s.name !== 'reveal') return spec;
  return {
    ...spec,
    parties(attrs) {
      // the helper never holds a share, so nothing may be revealed to it (the plan verifier refuses it too)
      if (roleAttr('reveal', attrs, 'to') === SECURENN_HELPER) throw new TfeError('E_POLICY', `reveal: ${SECURENN_HELPER} is securenn's helper and may receive no output`);
      return s.parties(attrs);
    },
  };
}

export const SECURENN_SPECS: ReadonlyMap<string, KernelSpec> = new Map([...POND_SPECS].map(([name, s]) => [name, securennSpec(s)]));

/** securenn as data (src/protocols/registry.ts lists it). */
export const SECURENN: ProtocolSpec = {
  name: 'securenn',
  summary: 'SecureNN model (Wagh, Gupta, Chandran, PoPETs 2019): server0 and server1 hold additive shares over Z_2^64, server2 holds none and makes the correlated randomness from pairwise PRG seeds; semi-honest, at most one of the three servers corrupt; no dealer. Kernels: Beaver products, exact truncation, carry-tree or DCF comparison',
  computeRoles: SECURENN_SERVERS,
  dealerRoles: [],
  helper: SECURENN_HELPER,
  randomness: POND.randomness,
  kernels: SECURENN_SPECS,
};
