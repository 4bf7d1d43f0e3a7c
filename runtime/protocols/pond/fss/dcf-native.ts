/**
 * The native addon's DCF evaluator (runtime/ring/native/dcf.cc, AES-NI), used by
 * dcfEval (dcf.ts) when the PRG backend is 'aes-ni' (runtime/crypto/prg-backend.ts:
 * the addon is built, the CPU has AES instructions, TFE_PRG is not 'node') and the key
 * has at most NATIVE_DCF_MAX_OUT_WORDS output words. Its output equals the TypeScript
 * evaluator's word for word (test/fss/dcf-native.test.ts); the TypeScript one always
 * works without it. Measured on network C's first pool layer (28,800 keys, 63 levels,
 * AMD EPYC shared): see the test's diagnostic line.
 */
import { Buffer } from 'node:buffer';
import { prgBackend } from '../../../crypto/prg-backend.js';
import { requireNativeAddon } from '../../../ring/native-addon.js';
import { FIXED_KEY } from './mmo.js';

/** The native evaluator keeps per-element accumulators for up to this many output words. */
export const NATIVE_DCF_MAX_OUT_WORDS = 6;

type DcfEvalFn = (params: BigUint64Array, fixedKey: Uint8Array, root: BigUint64Array, key: BigUint64Array, x: BigUint64Array, out: BigUint64Array) => void;

let cached: DcfEvalFn | null | undefined;
const KEY = new Uint8Array(Buffer.from(FIXED_KEY));

function addonEval(): DcfEvalFn | undefined {
  if (cached === undefined) {
    const addon = requireNativeAddon();
    const f = typeof addon === 'object' && addon !== null ? (addon as Record<string, unknown>).dcfEval : undefined;
    cached = typeof f === 'function' ? (f as DcfEvalFn) : null;
  }
  return cached ?? undefined;
}

/** Whether dcfEval may use the native evaluator for keys of `outWords` output words now. */
export function nativeDcfAvailable(outWords: number): boolean {
  return outWords <= NATIVE_DCF_MAX_OUT_WORDS && prgBackend() === 'aes-ni' && addonEval() !== undefined;
}

/** The native evaluation (same contract as dcf.ts dcfEval); undefined if unavailable. */
export function nativeDcfEval(party: 0 | 1, bits: number, outWords: number, root: BigUint64Array, key: BigUint64Array, x: BigUint64Array): BigUint64Array | undefined {
  const f = addonEval();
  if (!f || outWords > NATIVE_DCF_MAX_OUT_WORDS) return undefined;
  const out = new BigUint64Array(x.length * outWords);
  f(BigUint64Array.of(BigInt(party), BigInt(bits), BigInt(outWords)), KEY, root, key, x, out);
  return out;
}
