/**
 * The native addon's DCF key generation and evaluation (runtime/ring/native/dcf.cc,
 * AES-NI), used by dcfGen and dcfEval (dcf.ts) when the PRG backend is 'aes-ni' (runtime/crypto/prg-backend.ts:
 * the addon is built, the CPU has AES instructions, TFE_PRG is not 'node') and the key
 * has at most NATIVE_DCF_MAX_OUT_WORDS output words. Its output equals the TypeScript
 * code's word for word (test/fss/dcf-native.test.ts); the TypeScript code always works
 * without it. On network C's first pool layer (28,800 keys, 63 levels, AMD EPYC shared
 * by other jobs) evaluation was ~10x faster (the test prints the ratio).
 */
import { Buffer } from 'node:buffer';
import { prgBackend } from '../../../crypto/prg-backend.js';
import { nativeAddonWith } from '../../../ring/native-addon.js';
import { FIXED_KEY } from './mmo.js';

/** The native evaluator keeps per-element accumulators for up to this many output words. */
export const NATIVE_DCF_MAX_OUT_WORDS = 6;

type DcfEvalFn = (params: BigUint64Array, fixedKey: Uint8Array, root: BigUint64Array, key: BigUint64Array, x: BigUint64Array, out: BigUint64Array) => void;
type DcfGenFn = (params: BigUint64Array, fixedKey: Uint8Array, alpha: BigUint64Array, beta: BigUint64Array, root0: BigUint64Array, root1: BigUint64Array, key: BigUint64Array) => void;

let cached: { evalFn: DcfEvalFn; genFn: DcfGenFn } | null | undefined;
const KEY = new Uint8Array(Buffer.from(FIXED_KEY));

function addon(): { evalFn: DcfEvalFn; genFn: DcfGenFn } | undefined {
  if (cached === undefined) {
    const a = nativeAddonWith<{ dcfEval: DcfEvalFn; dcfGen: DcfGenFn }>(['dcfEval', 'dcfGen']);
    cached = a ? { evalFn: a.dcfEval, genFn: a.dcfGen } : null;
  }
  return cached ?? undefined;
}

/** Whether dcfEval and dcfGen may use the native code for keys of `outWords` output words now. */
export function nativeDcfAvailable(outWords: number): boolean {
  return outWords <= NATIVE_DCF_MAX_OUT_WORDS && prgBackend() === 'aes-ni' && addon() !== undefined;
}

/** The native key generation (same contract as dcf.ts dcfGen, shapes checked there); undefined if unavailable. */
export function nativeDcfGen(bits: number, outWords: number, alpha: BigUint64Array, beta: BigUint64Array, roots: readonly [BigUint64Array, BigUint64Array], keyWords: number): BigUint64Array | undefined {
  const a = addon();
  if (!a || outWords > NATIVE_DCF_MAX_OUT_WORDS) return undefined;
  const key = new BigUint64Array(keyWords);
  a.genFn(BigUint64Array.of(BigInt(bits), BigInt(outWords)), KEY, alpha, beta, roots[0], roots[1], key);
  return key;
}

/** The native evaluation (same contract as dcf.ts dcfEval); undefined if unavailable. */
export function nativeDcfEval(party: 0 | 1, bits: number, outWords: number, root: BigUint64Array, key: BigUint64Array, x: BigUint64Array): BigUint64Array | undefined {
  const a = addon();
  if (!a || outWords > NATIVE_DCF_MAX_OUT_WORDS) return undefined;
  const out = new BigUint64Array(x.length * outWords);
  a.evalFn(BigUint64Array.of(BigInt(party), BigInt(bits), BigInt(outWords)), KEY, root, key, x, out);
  return out;
}
