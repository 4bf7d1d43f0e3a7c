/**
 * The length-doubling PRG of the DCF trees (dcf.ts): fixed-key AES-128 in
 * Matyas-Meyer-Oseas form, block j of G(s) = AES_K(s ^ j) ^ s ^ j for small tweaks j
 * (a correlation-robust hash in the ideal-permutation model: Guo, Katz, Wang, Yu,
 * "Efficient and Secure Multiparty Computation from Fixed-Key Block Ciphers", S&P
 * 2020, sec. 7). K is public and fixed; the seeds are the secret.
 *
 * BATCHED: one call expands every element of a tree level (one node per element) with
 * ONE node:crypto `aes-128-ecb` cipher call, so OpenSSL's AES-NI does the work and no
 * per-element JS crypto call is made.
 */
import { createCipheriv, createHash } from 'node:crypto';

/** The public fixed key: the first 16 bytes of SHA-256 of a domain label (also the native evaluator's, dcf-native.ts). */
export const FIXED_KEY = createHash('sha256').update('tfe/pond/fss/dcf: fixed-key AES-128 MMO, v1').digest().subarray(0, 16);

/** Words (uint32) per 128-bit seed. */
export const SEED_U32 = 4;

/**
 * For N elements with seeds `seeds` (4 uint32 each, element e at [4e, 4e+4)) and B
 * tweaks per element (`tweaks[e*B + q]`, XORed into the seed's first 32-bit word),
 * returns the N*B blocks AES_K(s_e ^ t) ^ s_e ^ t as 4N*B uint32 (element-major).
 */
export function mmo(seeds: Uint32Array, tweaks: Uint32Array, perElement: number): Uint32Array {
  const n = seeds.length / SEED_U32;
  const b = perElement;
  const input = new Uint32Array(n * b * SEED_U32);
  for (let e = 0; e < n; e++) {
    const s = e * SEED_U32;
    for (let q = 0; q < b; q++) {
      const o = (e * b + q) * SEED_U32;
      input[o] = seeds[s] ^ tweaks[e * b + q];
      input[o + 1] = seeds[s + 1];
      input[o + 2] = seeds[s + 2];
      input[o + 3] = seeds[s + 3];
    }
  }
  const cipher = createCipheriv('aes-128-ecb', FIXED_KEY, null);
  cipher.setAutoPadding(false);
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const enc = cipher.update(bytes);
  const fin = cipher.final();
  if (enc.length !== bytes.length || fin.length !== 0) throw new Error(`AES-ECB returned ${enc.length + fin.length} bytes for ${bytes.length}`);
  // the MMO feed-forward, into the input's buffer (no copy; the cipher's output may be unaligned)
  if (enc.byteOffset % 4 === 0) {
    const e32 = new Uint32Array(enc.buffer, enc.byteOffset, input.length);
    for (let i = 0; i < input.length; i++) input[i] ^= e32[i];
  } else {
    const e32 = new Uint32Array(input.length);
    new Uint8Array(e32.buffer).set(enc);
    for (let i = 0; i < input.length; i++) input[i] ^= e32[i];
  }
  return input;
}
