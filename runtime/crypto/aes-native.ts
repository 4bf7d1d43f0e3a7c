/**
 * The native addon's AES-128-CTR keystream (runtime/ring/native/aes_ni.cc, AES-NI),
 * when the addon is built and the CPU has the AES instructions. Its output equals
 * node:crypto's `createCipheriv('aes-128-ctr', key, counter)` byte for byte
 * (test/crypto/aes-native.test.ts checks that against node:crypto).
 */
import { nativeAddonWith } from '../ring/native-addon.js';

export interface NativeAes {
  /**
   * Writes out.length keystream bytes into `out` (blocks AES_key(counter + i), the
   * last truncated) and advances `counter` (16 bytes, a 128-bit big-endian integer,
   * updated in place) by ceil(out.length / 16) blocks modulo 2^128. key and counter
   * must be 16-byte Uint8Arrays not overlapping `out` (else the addon throws E_ARG).
   */
  aesCtr(key: Uint8Array, counter: Uint8Array, out: Uint8Array): void;
}

interface AesAddon extends NativeAes {
  aesNi(): boolean;
}


let cached: NativeAes | null | undefined;

/** The native AES-CTR keystream, or undefined (no addon, an addon without it, or no AES-NI). */
export function nativeAes(): NativeAes | undefined {
  if (cached === undefined) {
    const addon = nativeAddonWith<AesAddon>(['aesCtr', 'aesNi']);
    cached = addon?.aesNi() ? addon : null;
  }
  return cached ?? undefined;
}
