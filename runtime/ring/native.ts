/** Placeholder until the native addon lands: reports the addon as unavailable. */
import type { FlatKernels } from './flat.js';

export function loadNativeKernels(): FlatKernels | undefined {
  return undefined;
}
