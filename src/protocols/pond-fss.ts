/**
 * Comparison by function secret sharing in Pond (attrs.compare = 'fss' on drelu_s,
 * relu_s, maxpool_s and argmax_s): the dealer makes distributed comparison function
 * (DCF) keys (Boyle et al., Eurocrypt 2021, sec. 3; LLAMA, Gupta et al., PETS 2022)
 * and the servers compare in ONE online round instead of eight, at the price of much
 * larger dealer material (the keys). The kernel is runtime/protocols/pond/fss/compare-fss.ts;
 * its doc comment derives the identity it computes.
 *
 * This module is the contract's part: the attribute and the declared cost, which
 * the measured traffic must equal exactly (test/fss/cost.test.ts).
 */
import { TfeError } from '../errors.js';
import type { Cost, KernelAttrs } from './spec.js';

export type CompareMethod = 'exact' | 'fss';
export const COMPARE_METHODS: readonly CompareMethod[] = ['exact', 'fss'];

/** The comparison a kernel uses (attrs.compare; absent: exact). Anything else is refused. */
export function compareMethod(kernel: string, attrs: KernelAttrs): CompareMethod {
  const v = attrs.compare ?? 'exact';
  if (v !== 'exact' && v !== 'fss') throw new TfeError('E_PLAN', `${kernel}: attribute 'compare' must be exact or fss, got ${JSON.stringify(v)}`);
  return v;
}

/** DCF input bits: the low 63 bits of the opened c = x + r (the top bit is handled apart). */
export const FSS_DCF_BITS = 63;

/**
 * Words of the correction-word part of one DCF key with `outWords` output words
 * (runtime/protocols/pond/fss/dcf.ts): per level a 128-bit seed correction (its two low
 * bits the control-bit corrections) and outWords words, then outWords leaf words.
 */
export function dcfKeyWords(bits: number, outWords: number): number {
  return 2 * bits + outWords * (bits + 1);
}

/** Key bytes each server receives for n comparisons carrying m payloads (one DCF with 1 + m output words each). */
export function fssKeyBytes(n: number, payloads: number): number {
  return 8 * n * dcfKeyWords(FSS_DCF_BITS, 1 + payloads);
}

/**
 * FSS comparison of n elements with zero, multiplying the result into m payloads:
 * 1 round; each server opens c = x + r and y_j - a_j (8n(1 + m) bytes); the dealer
 * sends server1 its shares of msb(r) and of msb(r) a_j (8n(1 + m)) and BOTH servers
 * the keys' correction words (2 fssKeyBytes).
 */
export function compareCostFss(n: number, payloads: number): Cost {
  const open = 8 * n * (1 + payloads);
  return { rounds: 1, bytes: { server0: open, server1: open }, dealerBytes: 8 * n * (1 + payloads) + 2 * fssKeyBytes(n, payloads) };
}

/**
 * AES-128 blocks the dealer encrypts to make the keys of n comparisons with m payloads
 * (dcf.ts dcfGen): per level and element both parties' nodes expand to two seed blocks
 * and two sides of ceil(k/2) output blocks (k = 1 + m), plus ceil(k/2) per leaf.
 */
export function fssDealerAesBlocks(n: number, payloads: number): number {
  const vb = Math.ceil((1 + payloads) / 2);
  return n * 2 * (FSS_DCF_BITS * (2 + 2 * vb) + vb);
}
