/**
 * AES-128-CTR keystreams for the PRG (runtime/crypto/prg.ts), in two
 * implementations of one interface that produce the same bytes:
 *  - `NodeKeystream`: node:crypto (OpenSSL) encrypting zeros, buffered;
 *  - `AesNiKeystream`: the native addon's AES-NI code writing straight into the
 *    caller's buffer (no intermediate Buffer, no copy) except for a block split
 *    between two fill calls, which is kept in a 16-byte buffer.
 * Both start at the counter block `iv` and increment it as one 128-bit big-endian
 * integer (OpenSSL's CTR mode), so `fill` calls of any lengths continue one stream.
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import type { NativeAes } from './aes-native.js';

export interface Keystream {
  /** Fills `out` with the next out.length keystream bytes. */
  fill(out: Uint8Array): void;
}

/** Bytes pre-generated per node:crypto refill (amortises the cipher call overhead). */
const CHUNK = 1 << 16;

export class NodeKeystream implements Keystream {
  private readonly cipher: Cipher;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private zeros = Buffer.alloc(CHUNK);

  constructor(key: Uint8Array, iv: Uint8Array) {
    this.cipher = createCipheriv('aes-128-ctr', key, iv);
  }

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
}

const BLOCK = 16;

export class AesNiKeystream implements Keystream {
  private readonly key: Uint8Array;
  /** The counter of the next block not yet generated. */
  private readonly counter: Uint8Array;
  /** The last generated block, of which `used` bytes were handed out. */
  private readonly block = new Uint8Array(BLOCK);
  private used = BLOCK;

  /** `key` and `iv` are copied (16 bytes each; the addon checks the lengths). */
  constructor(private readonly aes: NativeAes, key: Uint8Array, iv: Uint8Array) {
    this.key = new Uint8Array(key);
    this.counter = new Uint8Array(iv);
  }

  fill(out: Uint8Array): void {
    let off = 0;
    if (this.used < BLOCK) {
      off = Math.min(BLOCK - this.used, out.length);
      out.set(this.block.subarray(this.used, this.used + off));
      this.used += off;
    }
    const whole = Math.floor((out.length - off) / BLOCK) * BLOCK;
    if (whole > 0) {
      this.aes.aesCtr(this.key, this.counter, off === 0 && whole === out.length ? out : out.subarray(off, off + whole));
      off += whole;
    }
    if (off < out.length) {
      this.aes.aesCtr(this.key, this.counter, this.block);
      this.used = out.length - off;
      out.set(this.block.subarray(0, this.used), off);
    }
  }
}
