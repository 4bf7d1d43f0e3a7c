/** Placeholder until the wasm engine lands: reports it as unavailable. */
import type { FlatKernels } from './flat.js';

export function loadWasmKernels(): FlatKernels | undefined {
  return undefined;
}
