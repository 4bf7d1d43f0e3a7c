/**
 * A pool of ring buffers with explicit ownership, so that hot kernels reuse memory
 * instead of allocating a fresh BigUint64Array per call (fresh memory costs a page
 * fault per 4 KB page on first touch, and V8 returns freed backing stores to the OS).
 *
 * Ownership rule: `take` hands a buffer to exactly one owner; the owner `give`s it back
 * when nothing references it any more (not sent on a link, not returned to a caller,
 * not stored). Only temporaries whose whole life is visible in one function qualify:
 * a Beaver product's partial terms, never its output, an opened value, or a buffer
 * received from a link (a memory link hands the sender's array to the receiver).
 * A buffer given back twice, or a foreign buffer, is refused (E_BACKEND), which
 * catches the bookkeeping mistakes that would otherwise corrupt a result.
 *
 * Bounds: at most MAX_PER_SIZE idle buffers per length and MAX_IDLE_BYTES in total
 * (beyond that a given-back buffer is dropped for the GC), so the pool never holds
 * more than 64 MB that nothing uses. Single-threaded (one JS thread per pool).
 */
import { TfeError } from '../../src/errors.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from './tensor.js';

const MAX_PER_SIZE = 8;
const MAX_IDLE_BYTES = 64 << 20;

export class BufferPool {
  private readonly idle = new Map<number, BigUint64Array[]>();
  /** Buffers out with an owner (to refuse double or foreign gives). */
  private readonly out = new WeakSet<BigUint64Array>();
  private idleBytes = 0;
  /** When set, given-back buffers are overwritten with a pattern (tests: a premature reuse shows as a wrong result). */
  poison = false;
  /** Counters for tests and benchmarks. */
  readonly stats = { taken: 0, reused: 0 };

  /** A buffer of `n` elements with unspecified content, owned by the caller until `give`. */
  take(n: number): BigUint64Array {
    this.stats.taken++;
    const list = this.idle.get(n);
    const hit = list?.pop();
    let buf: BigUint64Array;
    if (hit) {
      this.idleBytes -= hit.byteLength;
      this.stats.reused++;
      buf = hit;
    } else buf = new BigUint64Array(n);
    this.out.add(buf);
    return buf;
  }

  /** A tensor of `shape` over a taken buffer (give back `t.data`). */
  tensor(shape: Shape): RingTensor {
    return ringTensor(shape, this.take(sizeOf(shape)));
  }

  /** Returns a taken buffer; the caller must hold no reference to it afterwards. */
  give(buf: BigUint64Array): void {
    if (!this.out.has(buf)) throw new TfeError('E_BACKEND', `a ring buffer of ${buf.length} elements was given back to a pool that did not lend it (or twice)`);
    this.out.delete(buf);
    if (this.poison) buf.fill(0xdeadbeefdeadbeefn);
    const list = this.idle.get(buf.length) ?? [];
    if (list.length >= MAX_PER_SIZE || this.idleBytes + buf.byteLength > MAX_IDLE_BYTES) return;
    list.push(buf);
    this.idle.set(buf.length, list);
    this.idleBytes += buf.byteLength;
  }

  /** Bytes held idle (for tests). */
  get idleSize(): number {
    return this.idleBytes;
  }
}

/** The process's pool for kernel temporaries (runtime/protocols use it; one JS thread). */
export const ringPool = new BufferPool();
