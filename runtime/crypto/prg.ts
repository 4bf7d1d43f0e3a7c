/**
 * A pseudo-random generator: AES-128 in counter mode over a 128-bit seed, producing
 * ring elements and bits. The keystream comes from the native addon's AES-NI code,
 * written straight into the caller's buffer, when it is available, else from
 * node:crypto (OpenSSL); both give the same bytes (runtime/crypto/keystream.ts;
 * TFE_PRG=node forces node:crypto, see runtime/crypto/prg-backend.ts). Seeds come
 * from crypto.randomBytes.
 * Two parties holding the same seed draw the same stream, which is how correlated
 * randomness is derived from a shared seed instead of being sent.
 * Security: the keystream of AES-CTR under a uniformly random key is computationally
 * indistinguishable from uniform (AES as a PRF); the counter starts at 0 for a fresh
 * key and is never reused because each Prg owns its key and advances monotonically.
 */
import { randomFillSync } from 'node:crypto';
import { TfeError } from '../../src/errors.js';
import { allocRing } from '../ring/alloc.js';
import { nativeAes } from './aes-native.js';
import { AesNiKeystream, NodeKeystream, type Keystream } from './keystream.js';
import { prgBackend, type PrgBackend } from './prg-backend.js';

export { prgBackend, type PrgBackend };

export const SEED_BYTES = 16;

/**
 * Seeds are cut from a buffer of CSPRNG output (node:crypto's randomFillSync, OpenSSL's
 * DRBG), refilled SEED_POOL bytes at a time: one call per 256 seeds instead of one per
 * session party (each call costs microseconds, a system call in a sandboxed kernel). Each
 * byte is handed out once and zeroed as it is taken.
 */
const SEED_POOL = 4096;
const seedPool = new Uint8Array(SEED_POOL);
let seedPos = SEED_POOL;

/** A fresh uniformly random 128-bit seed (from the CSPRNG). */
export function freshSeed(): Uint8Array {
  if (seedPos + SEED_BYTES > SEED_POOL) {
    randomFillSync(seedPool);
    seedPos = 0;
  }
  const s = seedPool.slice(seedPos, seedPos + SEED_BYTES);
  seedPool.fill(0, seedPos, seedPos + SEED_BYTES);
  seedPos += SEED_BYTES;
  return s;
}

export class Prg {
  /** The AES-CTR implementation this Prg draws from (chosen by prgBackend() at construction). */
  readonly backend: PrgBackend;
  private readonly keystream: Keystream;

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
    const aes = prgBackend() === 'aes-ni' ? nativeAes() : undefined;
    this.backend = aes ? 'aes-ni' : 'node';
    this.keystream = aes ? new AesNiKeystream(aes, seed, iv) : new NodeKeystream(seed, iv);
  }

  static fresh(): Prg {
    return new Prg(freshSeed());
  }

  /** Fills `out` with keystream bytes (continuing the stream; any length). */
  fill(out: Uint8Array): void {
    this.keystream.fill(out);
  }

  /** n uniformly random elements of Z_2^64 (a fresh array; small ones are slab views, runtime/ring/alloc.ts). */
  ring(n: number): BigUint64Array {
    const out = allocRing(n);
    this.ringInto(out);
    return out;
  }

  /**
   * Fills `out` with uniformly random elements of Z_2^64: the next out.length * 8
   * keystream bytes, written straight into the caller's memory (the native keystream
   * encrypts in place; node:crypto's output is copied once). Equal to ring(out.length).
   */
  ringInto(out: BigUint64Array): void {
    this.keystream.fill(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
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
