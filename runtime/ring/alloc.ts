/**
 * Allocation of small ring outputs as views into shared slabs.
 *
 * A fresh `new BigUint64Array(n)` of a few hundred elements costs about 2 us in V8
 * (an off-heap backing store: calloc, external-memory accounting, a finalizer for the
 * GC), several times the work of a kernel on it; the protocols' bookkeeping-bound
 * steps (comparisons on a batch-1 layer) make thousands of them per prediction. A view
 * `new BigUint64Array(slab, offset, n)` into a 256 KB slab costs a fraction of that.
 *
 * Safety: slab memory is never reused. Each view takes fresh, zeroed bytes of the
 * current slab (64-byte aligned, so no two views share a cache line) and a new slab
 * is started when one is full; a slab is freed by the GC once no view of it is alive.
 * So nothing here can hand out memory that something still references (unlike
 * runtime/ring/pool.ts, which needs an owner's explicit give).
 * Bound: a live view keeps its whole slab alive, so the worst-case overhead is one slab
 * (256 KB) per live small tensor; views are limited to SMALL_BYTES (4 KB), so at least
 * 64 views share a slab. Users must respect byteOffset (never `new X(t.data.buffer)`
 * on a kernel output).
 */

const SLAB_BYTES = 256 << 10;
/** Largest allocation served from a slab; larger ones get their own buffer. */
export const SMALL_BYTES = 4096;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** `n` zeroed ring elements: a slab view when small, else a buffer of its own. */
export function allocRing(n: number): BigUint64Array {
  const bytes = n * 8;
  if (bytes > SMALL_BYTES || bytes === 0) return new BigUint64Array(n);
  if (used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const view = new BigUint64Array(slab, used, n);
  used += (bytes + 63) & ~63;
  return view;
}
