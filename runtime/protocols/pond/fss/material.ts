/**
 * The dealer material of one FSS comparison layer (compare-fss.ts), for n elements
 * and m payloads, requested in this order by the dealer and both servers:
 *  - [r]: a uniform mask (drawn from the shared streams: no message);
 *  - [msb(r)] (to server1: n words);
 *  - [a_j] uniform and [msb(r) a_j] (to server1: n words each);
 *  - each server's DCF root seeds (2n words from its own stream: no message);
 *  - the DCF keys' correction words for alpha = r mod 2^63 and the k = 1 + m output
 *    words beta = (1 - 2 msb(r)) (1, a_1, ..., a_m), sent to BOTH servers
 *    (n (2*63 + 64k) words each; src/protocols/pond-fss.ts fssKeyBytes).
 * Keys are made when the dealer reaches the layer's step and leave before it makes
 * the next layer's (the dealer waits for its links to drain between steps), so the
 * dealer holds one layer's keys at a time.
 */
import { FSS_DCF_BITS, dcfKeyWords } from '../../../../src/protocols/pond-fss.js';
import type { DealerMaterial } from '../../../crypto/material.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../../ring/tensor.js';
import { dcfGen } from './dcf.js';

export interface FssCompareShare {
  readonly r: RingTensor;
  readonly rMsb: RingTensor;
  readonly a: readonly RingTensor[];
  readonly rMsbA: readonly RingTensor[];
  /** This server's DCF root seeds (2 words per element). */
  readonly root: BigUint64Array;
  /** The DCF keys' correction words (both servers hold the same). */
  readonly key: BigUint64Array;
}

const LOW63 = (1n << 63n) - 1n;

export async function fssCompareMaterial(m: DealerMaterial, shape: Shape, payloads: number): Promise<FssCompareShare | undefined> {
  const ring = m.ring;
  const n = sizeOf(shape);
  const k = 1 + payloads;
  const r = m.randA(shape);
  const rMsb = await m.giveA(shape, () => ring.shr(r, 63));
  const a: RingTensor[] = [];
  for (let j = 0; j < payloads; j++) a.push(m.randA(shape));
  const rMsbA: RingTensor[] = [];
  for (let j = 0; j < payloads; j++) rMsbA.push(await m.giveA(shape, () => ring.mul(rMsb, a[j])));
  const roots = m.ownWords(2 * n);
  const key = await m.givePublic(n * dcfKeyWords(FSS_DCF_BITS, k), () => {
    // on the dealer r, rMsb and a_j are the values themselves
    const alpha = ring.and(r, ringTensor(shape, new BigUint64Array(n).fill(LOW63)));
    const sign = ring.sub(ringTensor(shape, new BigUint64Array(n).fill(1n)), ring.shl(rMsb, 1));
    const cols = [sign, ...a.map((aj) => ring.mul(sign, aj))];
    const beta = new BigUint64Array(n * k);
    cols.forEach((col, q) => {
      for (let e = 0; e < n; e++) beta[e * k + q] = col.data[e];
    });
    return dcfGen({ bits: FSS_DCF_BITS, outWords: k, count: n }, alpha.data, beta, [roots.server0 as BigUint64Array, roots.server1 as BigUint64Array]);
  });
  if (!m.isServer) return undefined;
  const root = roots[m.side as 'server0' | 'server1'] as BigUint64Array;
  return { r, rMsb, a, rMsbA, root, key };
}
