/**
 * Loads the native addon module (build/Release/tfe_ring.node at the package root,
 * built by node-gyp from runtime/ring/native/) once per process, as an untyped
 * module: runtime/ring/native.ts checks and wraps its ring kernels, and
 * runtime/crypto/aes-native.ts its AES-CTR keystream. Never throws: when the
 * addon is not built or does not load, `requireNativeAddon()` returns undefined
 * and `nativeAddonError()` says why.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TfeError } from '../../src/errors.js';
import { packageRoot } from '../package-root.js';
import { applyMallocKeep } from './malloc-keep.js';

/** Where node-gyp puts the addon, relative to the package root. */
export const ADDON_REL = './build/Release/tfe_ring.node';

let addon: unknown;
let error: string | undefined;
let mallocKept = false;
let keepError: TfeError | undefined;

/** A bad TFE_MALLOC_KEEP seen when the addon loaded (native.ts reports it on every use). */
export function mallocKeepError(): TfeError | undefined {
  return keepError;
}

/** Whether loading the addon changed the malloc policy (runtime/ring/malloc-keep.ts). */
export function mallocKeepApplied(): boolean {
  return mallocKept;
}
let tried = false;

/** The addon's exports (unchecked), or undefined if it is not built or fails to load. */
export function requireNativeAddon(): unknown {
  if (!tried) {
    tried = true;
    const root = packageRoot();
    const file = root === undefined ? undefined : join(root, ADDON_REL);
    if (root === undefined || file === undefined) {
      error = 'package root (package.json named "tfe") not found';
    } else if (!existsSync(file)) {
      error = `${file} is not built (run npm run build:native)`;
    } else {
      try {
        addon = createRequire(join(root, 'package.json'))(ADDON_REL);
      } catch (e) {
        error = `${file} failed to load: ${e instanceof Error ? e.message : String(e)}`;
      }
      // once per process, with the addon: keep freed tensor memory warm (malloc-keep.ts)
      if (addon !== undefined) {
        try {
          mallocKept = applyMallocKeep(addon);
        } catch (e) {
          keepError = e instanceof TfeError ? e : new TfeError('E_BACKEND', String(e));
        }
      }
    }
  }
  return addon;
}

/**
 * The addon typed as `T` when it loaded and exports every function in `names` (an addon
 * built before a kernel was added lacks it), else undefined. The caller names in `T`
 * the signatures of exactly those functions.
 */
export function nativeAddonWith<T>(names: readonly string[]): T | undefined {
  const a = requireNativeAddon();
  if (typeof a !== 'object' || a === null) return undefined;
  const rec = a as Record<string, unknown>;
  return names.every((k) => typeof rec[k] === 'function') ? (a as T) : undefined;
}

/** Why the addon did not load (undefined if it loaded or was not tried yet). */
export function nativeAddonError(): string | undefined {
  return error;
}

/** The addon file's absolute path, or undefined outside the package. */
export function nativeAddonFile(): string | undefined {
  const root = packageRoot();
  return root === undefined ? undefined : join(root, ADDON_REL);
}
