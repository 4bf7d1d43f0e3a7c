/**
 * The native bit-plane kernels of the comparison (runtime/ring/native/compare.cc) when
 * the addon is built with them, and the choice between them and the TypeScript ones
 * (bitplanes.ts): native exactly when the native ring backend is in use, so a run
 * forced onto wasm or js (TFE_RING_BACKEND) runs no native code. Both are tested equal
 * on random inputs (test/protocols/bitplanes.test.ts).
 */
import { nativeAddonWith } from '../../ring/native-addon.js';
import type { RingBackend } from '../../ring/backend.js';
import { TS_PLANE_KERNELS, type PlaneKernels } from './bitplanes.js';

const NAMES = ['planesTranspose', 'compareInit', 'compareLevel', 'compareFinal'] as const;

type NativeFns = {
  planesTranspose(src: BigUint64Array, out: BigUint64Array): void;
  compareInit(c: BigUint64Array, rPlanes: BigUint64Array, s0: boolean, state: BigUint64Array, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  compareLevel(groups: number, state: BigUint64Array, mine: BigUint64Array, theirs: BigUint64Array, a: BigUint64Array, b: BigUint64Array, c: BigUint64Array,
    s0: boolean, nextA: BigUint64Array, nextB: BigUint64Array, out: BigUint64Array): void;
  compareFinal(state: BigUint64Array, s0: boolean, s: BigUint64Array, out: BigUint64Array): void;
};


let cached: PlaneKernels | null | undefined;

/** The native kernels, or undefined (no addon, or an addon built without compare.cc). */
export function nativePlaneKernels(): PlaneKernels | undefined {
  if (cached === undefined) {
    const addon = nativeAddonWith<NativeFns>(NAMES);
    cached = addon
      ? {
        name: 'native',
        transpose: (src, out) => addon.planesTranspose(src, out),
        init: (c, r, s0, st, a, b, out) => addon.compareInit(c, r, s0, st, a, b, out),
        level: (g, st, mine, theirs, a, b, c, s0, na, nb, out) => addon.compareLevel(g, st, mine, theirs, a, b, c, s0, na, nb, out),
        final: (st, s0, s, out) => addon.compareFinal(st, s0, s, out),
      }
      : null;
  }
  return cached ?? undefined;
}

/** The kernels for a party computing on `ring`: native with the native backend (when built), else TypeScript. */
export function planeKernelsFor(ring: RingBackend): PlaneKernels {
  return (ring.name === 'native' ? nativePlaneKernels() : undefined) ?? TS_PLANE_KERNELS;
}
