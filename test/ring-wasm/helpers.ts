/**
 * Shared helpers for the wasm ring engine tests: random ring data from node:crypto
 * seasoned with edge values, the kernels under test (undefined when ring.wasm is
 * not built, so the suites skip with a message) and exact comparison.
 */
import type { FlatKernels } from '../../runtime/ring/flat.js';
import { loadWasmKernels } from '../../runtime/ring/wasm.js';

export const kernels: FlatKernels | undefined = loadWasmKernels();

/** `skip` option for describe(): a message when the module is missing, false otherwise. */
export const skipUnlessBuilt: string | false = kernels
  ? false
  : 'runtime/ring/wasm/build/ring.wasm is not built: run `npm run build:wasm`';

export { EDGES, assertSameData, assertSameTensor, assertTfeError, randomRing, randomTensor } from '../support/ring-check.js';

