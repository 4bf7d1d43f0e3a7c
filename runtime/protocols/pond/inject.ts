/**
 * Bit injection, the comparison's last step (compare.ts step 3): from the opened plane
 * e = [x >= 0] ^ s (bit k of word k / 64 for element k) and the dealer's [s], a_j s,
 * the additive shares
 *   [b] = e + (1 - 2e)[s]                       (server0 adds e)
 *   [b y_j] = e [y_j] + (1 - 2e)[y_j s],  [y_j s] = (y_j - a_j)[s] + [a_j s].
 * Two implementations, equal word for word (test/protocols/bitplanes.test.ts): one
 * native pass per output with the native ring backend (compare.cc: no temporaries),
 * else a composition of ring backend ops (the wasm / js backends).
 */
import type { RingBackend } from '../../ring/backend.js';
import { nativeAddonWith } from '../../ring/native-addon.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';
import { unpackBits } from './bitplanes.js';

export interface Injector {
  readonly name: 'native' | 'ring';
  /** [b] for this server (s0: server0) from the opened plane e (ceil(n / 64) words). */
  bit(e: BigUint64Array, shape: Shape, s0: boolean, s: RingTensor): RingTensor;
  /** [b y] from this server's [y], the opened y - a, [s] and [a s]. */
  product(e: BigUint64Array, shape: Shape, y: RingTensor, yMinusA: RingTensor, s: RingTensor, aS: RingTensor): RingTensor;
}

interface NativeInject {
  compareInjectBit(e: BigUint64Array, s0: boolean, s: BigUint64Array, out: BigUint64Array): void;
  compareInjectProduct(e: BigUint64Array, y: BigUint64Array, ya: BigUint64Array, s: BigUint64Array, as: BigUint64Array, out: BigUint64Array): void;
}


let native: Injector | null | undefined;

/** The native injector, or undefined (no addon, or one built without it). */
export function nativeInjector(): Injector | undefined {
  if (native === undefined) {
    const addon = nativeAddonWith<NativeInject>(['compareInjectBit', 'compareInjectProduct']);
    native = addon
      ? {
        name: 'native',
        bit(e, shape, s0, s) {
          const out = new BigUint64Array(sizeOf(shape));
          addon.compareInjectBit(e, s0, s.data, out);
          return ringTensor(shape, out);
        },
        product(e, shape, y, ya, s, as) {
          const out = new BigUint64Array(sizeOf(shape));
          addon.compareInjectProduct(e, y.data, ya.data, s.data, as.data, out);
          return ringTensor(shape, out);
        },
      }
      : null;
  }
  return native ?? undefined;
}

/** The injector made of ring backend ops. */
export function ringInjector(ring: RingBackend): Injector {
  const oneMinus2e = (e: RingTensor): RingTensor => ring.sub(ringTensor(e.shape, new BigUint64Array(e.data.length).fill(1n)), ring.shl(e, 1));
  return {
    name: 'ring',
    bit(eWords, shape, s0, s) {
      const e = unpackBits(eWords, shape);
      const b = ring.mul(oneMinus2e(e), s);
      return s0 ? ring.add(b, e) : b;
    },
    product(eWords, shape, y, ya, s, as) {
      const e = unpackBits(eWords, shape);
      const yS = ring.add(ring.mul(ya, s), as);
      return ring.add(ring.mul(e, y), ring.mul(oneMinus2e(e), yS));
    },
  };
}

/** Native with the native ring backend (when built), else ring ops. */
export function injectorFor(ring: RingBackend): Injector {
  return (ring.name === 'native' ? nativeInjector() : undefined) ?? ringInjector(ring);
}
