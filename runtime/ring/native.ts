/**
 * Loader for the native ring addon (C++ through Node-API, runtime/ring/native/,
 * built by node-gyp into build/Release/tfe_ring.node at the package root).
 *
 * `loadNativeKernels()` returns the addon wrapped as FlatKernels, or undefined if
 * it is not built or does not load (never throws for that: the wasm engine is the
 * fallback, and `nativeLoadError()` says why). It does throw a TfeError when the
 * addon loads but an environment override is wrong:
 *  - `TFE_RING_ISA=avx512|avx2|portable` forces a code path (an unsupported one is
 *    refused); default: the best the CPU has;
 *  - `TFE_RING_THREADS=n` sets the thread count; default: the number of cores.
 * The addon's settings are process-wide, so it is loaded (and configured) once.
 */
import { TfeError, type ErrorCode } from '../../src/errors.js';
import { packageRoot } from '../package-root.js';
import type { FlatKernels } from './flat.js';
import { mallocKeepError, nativeAddonError, nativeAddonFile, requireNativeAddon } from './native-addon.js';

/** The code paths of the native engine; `avx512-emulated` is the AVX-512 source built for the baseline ISA (tests only). */
export type NativeIsa = 'avx512' | 'avx2' | 'portable' | 'avx512-emulated';

/** FlatKernels plus the native engine's own controls. */
export interface NativeKernels extends FlatKernels {
  /** The active code path. */
  isa(): NativeIsa;
  /** The paths this CPU can run, best first. */
  isas(): NativeIsa[];
  /** Forces a code path; throws E_BACKEND if the CPU lacks it. */
  setIsa(isa: NativeIsa): void;
  /** The thread count used when TFE_RING_THREADS is unset (the number of cores). */
  defaultThreads(): number;
}

/** The raw addon exports (see runtime/ring/native/addon.cc): the flat kernels plus ISA control. */
interface Addon extends Omit<FlatKernels, 'packB'> {
  packedSize(k: number, n: number): number;
  packB(b: BigUint64Array, k: number, n: number, dst: BigUint64Array): void;
  matmulPacked(a: BigUint64Array, b: BigUint64Array, packed: BigUint64Array, out: BigUint64Array, m: number, k: number, n: number): void;
  defaultThreads(): number;
  isa(): string;
  isas(): string[];
  setIsa(isa: string): void;
}

const ADDON_FUNCTIONS: readonly (keyof Addon)[] = [
  'add', 'sub', 'mul', 'and', 'xor', 'or', 'neg', 'not', 'shr', 'sar', 'shl', 'matmul', 'rowSum',
  'setThreads', 'threads', 'defaultThreads', 'isa', 'isas', 'setIsa', 'packedSize', 'packB', 'matmulPacked',
];

export { packageRoot };

function isAddon(x: unknown): x is Addon {
  if (typeof x !== 'object' || x === null) return false;
  const rec = x as Record<string, unknown>;
  return ADDON_FUNCTIONS.every((f) => typeof rec[f] === 'function');
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>(['E_ARG', 'E_SHAPE', 'E_BACKEND']);

/** Re-throws an addon error as a TfeError with the addon's code (E_ARG, E_SHAPE or E_BACKEND). */
function rethrow(e: unknown): never {
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    const tfeCode: ErrorCode = typeof code === 'string' && ERROR_CODES.has(code) ? (code as ErrorCode) : 'E_BACKEND';
    throw new TfeError(tfeCode, `native ring kernel: ${e.message}`);
  }
  throw new TfeError('E_BACKEND', `native ring kernel: ${String(e)}`);
}

function wrap(addon: Addon): NativeKernels {
  const isNativeIsa = (s: string): s is NativeIsa => s === 'avx512' || s === 'avx2' || s === 'portable' || s === 'avx512-emulated';
  const guard = <A extends unknown[]>(f: (...args: A) => void) => (...args: A): void => {
    try {
      f(...args);
    } catch (e) {
      rethrow(e);
    }
  };
  return {
    add: guard(addon.add),
    sub: guard(addon.sub),
    mul: guard(addon.mul),
    and: guard(addon.and),
    xor: guard(addon.xor),
    or: guard(addon.or),
    neg: guard(addon.neg),
    not: guard(addon.not),
    shr: guard(addon.shr),
    sar: guard(addon.sar),
    shl: guard(addon.shl),
    matmul: guard(addon.matmul),
    rowSum: guard(addon.rowSum),
    packB(b: BigUint64Array, k: number, n: number): BigUint64Array {
      try {
        const dst = new BigUint64Array(addon.packedSize(k, n));
        addon.packB(b, k, n, dst);
        return dst;
      } catch (e) {
        return rethrow(e);
      }
    },
    matmulPacked: guard(addon.matmulPacked),
    setThreads: guard(addon.setThreads),
    threads: () => addon.threads(),
    defaultThreads: () => addon.defaultThreads(),
    isa(): NativeIsa {
      const s = addon.isa();
      if (!isNativeIsa(s)) throw new TfeError('E_BACKEND', `native ring addon reports an unknown ISA '${s}'`);
      return s;
    },
    isas: () => addon.isas().filter(isNativeIsa),
    setIsa: guard(addon.setIsa),
  };
}

/** Applies TFE_RING_ISA and TFE_RING_THREADS from `env`; throws TfeError on a bad value. */
export function applyEnvOverrides(k: NativeKernels, env: Readonly<Record<string, string | undefined>> = process.env): void {
  const isa = env.TFE_RING_ISA;
  if (isa !== undefined && isa !== '') {
    if (isa !== 'avx512' && isa !== 'avx2' && isa !== 'portable' && isa !== 'avx512-emulated') {
      throw new TfeError('E_BACKEND', `TFE_RING_ISA='${isa}' is not one of avx512, avx2, portable`);
    }
    if (!k.isas().includes(isa)) {
      throw new TfeError('E_BACKEND', `TFE_RING_ISA='${isa}': this CPU cannot run that path (it supports ${k.isas().join(', ')})`,
        'unset TFE_RING_ISA to use the best path this CPU has');
    }
    k.setIsa(isa);
  }
  const threads = env.TFE_RING_THREADS;
  if (threads !== undefined && threads !== '') {
    const n = Number(threads);
    if (!/^[0-9]+$/.test(threads.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 1024) {
      throw new TfeError('E_ARG', `TFE_RING_THREADS='${threads}' is not a thread count in 1..1024`);
    }
    k.setThreads(n);
  }
}

let loaded: NativeKernels | undefined;
let loadError: string | undefined;
let envError: TfeError | undefined;
let tried = false;

/** The native kernels, or undefined if the addon is not built or fails to load. */
export function loadNativeKernels(): NativeKernels | undefined {
  if (!tried) {
    tried = true;
    const addon = requireNativeAddon();
    if (addon === undefined) loadError = nativeAddonError();
    else if (isAddon(addon)) loaded = wrap(addon);
    else loadError = `${nativeAddonFile() ?? 'the addon'} does not export the expected kernels (stale build? run npm run build:native)`;
    if (loaded) {
      try {
        const keep = mallocKeepError();
        if (keep) throw keep;
        applyEnvOverrides(loaded);
      } catch (e) {
        envError = e instanceof TfeError ? e : new TfeError('E_BACKEND', String(e));
      }
    }
  }
  // a bad override is reported on every call, never turned into a silent fallback
  if (envError) throw envError;
  return loaded;
}

/** Why the addon did not load (undefined if it loaded or was not tried yet). */
export function nativeLoadError(): string | undefined {
  return loadError;
}
