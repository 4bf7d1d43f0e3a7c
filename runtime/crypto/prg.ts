/**
 * A pseudo-random generator: AES-128 in counter mode (node:crypto / OpenSSL) over a
 * 128-bit seed, producing ring elements and bits. Seeds come from crypto.randomBytes.
 * Two parties holding the same seed draw the same stream, which is how correlated
 * randomness is derived from a shared seed instead of being sent.
 * Security: the keystream of AES-CTR under a uniformly random key is computationally
 * indistinguishable from uniform (AES as a PRF); the counter starts at 0 for a fresh
 * key and is never reused because each Prg owns its key and advances monotonically.
 */
import { createCipheriv, randomBytes, type Cipher } from 'node:crypto';
import { TfeError } from '../../src/errors.js';

export const SEED_BYTES = 16;

/** A fresh uniformly random 128-bit seed. */
export function freshSeed(): Uint8Array {
  return new Uint8Array(randomBytes(SEED_BYTES));
}

/** Bytes pre-generated per refill (amortises the cipher call overhead). */
const CHUNK = 1 << 16;

export class Prg {
  private readonly cipher: Cipher;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private zeros = Buffer.alloc(CHUNK);

  /**
   * @param stream selects one of 2^64 disjoint streams under the same seed: the
   * counter block starts at stream * 2^64 (nonce || counter), so two streams overlap
   * only past 2^64 blocks (2^68 bytes) of output. Per-session streams of a pairwise
   * seed use the session's bundle id here.
   */
  constructor(seed: Uint8Array, stream = 0n) {
    if (seed.length !== SEED_BYTES) throw new TfeError('E_ARG', `PRG seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
    if (stream < 0n || stream >= 1n << 64n) throw new TfeError('E_ARG', `PRG stream id ${stream} is not a 64-bit unsigned integer`);
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(stream, 0);
    this.cipher = createCipheriv('aes-128-ctr', seed, iv);
  }

  static fresh(): Prg {
    return new Prg(freshSeed());
  }

  /** Fills `out` with keystream bytes. */
  fill(out: Uint8Array): void {
    let off = 0;
    while (off < out.length) {
      if (this.pos === this.buf.length) {
        const want = Math.max(CHUNK, out.length - off);
        if (this.zeros.length < want) this.zeros = Buffer.alloc(want);
        this.buf = this.cipher.update(this.zeros.subarray(0, want));
        this.pos = 0;
      }
      const n = Math.min(out.length - off, this.buf.length - this.pos);
      out.set(this.buf.subarray(this.pos, this.pos + n), off);
      this.pos += n;
      off += n;
    }
  }

  /** n uniformly random elements of Z_2^64. */
  ring(n: number): BigUint64Array {
    const out = new BigUint64Array(n);
    this.fill(new Uint8Array(out.buffer));
    return out;
  }

  /** n uniformly random bits, each as a ring element 0 or 1. */
  bits(n: number): BigUint64Array {
    const bytes = new Uint8Array(Math.ceil(n / 8));
    this.fill(bytes);
    const out = new BigUint64Array(n);
    const w = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) w[2 * i] = (bytes[i >> 3] >> (i & 7)) & 1;
    return out;
  }

  /** A fresh seed drawn from this stream (for deriving sub-streams). */
  seed(): Uint8Array {
    const s = new Uint8Array(SEED_BYTES);
    this.fill(s);
    return s;
  }
}
