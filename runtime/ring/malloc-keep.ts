/**
 * The process's malloc policy for ring tensors (native addon, runtime/ring/native/
 * malloc_keep.cc): when the addon loads, glibc's malloc is asked to serve blocks up to
 * MMAP_THRESHOLD from its heap and to keep up to TRIM_THRESHOLD of freed memory, so
 * that the tensors a prediction allocates and the GC frees are reused warm instead of
 * being unmapped and faulted in again page by page (a page fault per 4 KB, about
 * 10 us each in a sandboxed kernel, cost more than the kernels of a batch-1 network C).
 * The peak RSS is unchanged; up to TRIM_THRESHOLD (64 MiB) of free heap may stay resident.
 * `TFE_MALLOC_KEEP=0` leaves malloc as it is. No effect without glibc (returns false).
 */
import { TfeError } from '../../src/errors.js';

export const MMAP_THRESHOLD = 32 << 20;
export const TRIM_THRESHOLD = 64 << 20;

interface KeepAddon {
  mallocKeep(mmapThresholdBytes: number, trimThresholdBytes: number): boolean;
}

function hasMallocKeep(x: unknown): x is KeepAddon {
  return typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>).mallocKeep === 'function';
}

/**
 * Applies the policy through `addon` unless `env.TFE_MALLOC_KEEP` is '0'; returns
 * whether malloc was changed. Throws E_ARG for a TFE_MALLOC_KEEP other than 0 or 1.
 */
export function applyMallocKeep(addon: unknown, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const v = env.TFE_MALLOC_KEEP;
  if (v !== undefined && v !== '' && v !== '0' && v !== '1') throw new TfeError('E_ARG', `TFE_MALLOC_KEEP='${v}' is not 0 or 1`);
  if (v === '0' || !hasMallocKeep(addon)) return false;
  return addon.mallocKeep(MMAP_THRESHOLD, TRIM_THRESHOLD);
}
