/**
 * Ring backend selection: native if its addon loaded, else wasm; `js` (the BigInt
 * reference) only when asked. `TFE_RING_BACKEND=native|wasm|js` forces a choice,
 * and forcing one that cannot load is an error (never a silent fallback).
 */
import { TfeError } from '../../src/errors.js';
import type { BackendName, RingBackend } from './backend.js';
import { composeBackend } from './compose.js';
import { jsBackend } from './js.js';
import { loadNativeKernels } from './native.js';
import { loadWasmKernels } from './wasm.js';

const cache = new Map<BackendName, RingBackend>();

/** The named backend, or undefined if it cannot load on this machine. */
export function tryBackend(name: BackendName): RingBackend | undefined {
  const hit = cache.get(name);
  if (hit) return hit;
  let b: RingBackend | undefined;
  if (name === 'js') b = jsBackend;
  else if (name === 'native') {
    const k = loadNativeKernels();
    b = k ? composeBackend('native', k) : undefined;
  } else {
    const k = loadWasmKernels();
    b = k ? composeBackend('wasm', k) : undefined;
  }
  if (b) cache.set(name, b);
  return b;
}

export function backendByName(name: BackendName): RingBackend {
  const b = tryBackend(name);
  if (!b) {
    throw new TfeError('E_BACKEND', `ring backend '${name}' is not available on this machine`,
      name === 'native' ? 'run `npm run build:native` to see why the addon does not build, or use TFE_RING_BACKEND=wasm' : 'run `npm run build` to compile the wasm module');
  }
  return b;
}

let chosen: RingBackend | undefined;

/** The process-wide default backend (TFE_RING_BACKEND, else native, else wasm). */
export function defaultBackend(): RingBackend {
  if (chosen) return chosen;
  const forced = process.env.TFE_RING_BACKEND;
  if (forced !== undefined && forced !== '') {
    if (forced !== 'native' && forced !== 'wasm' && forced !== 'js') {
      throw new TfeError('E_BACKEND', `TFE_RING_BACKEND='${forced}' is not one of native, wasm, js`);
    }
    chosen = backendByName(forced);
  } else {
    chosen = tryBackend('native') ?? backendByName('wasm');
  }
  return chosen;
}

export type { BackendName, RingBackend, Conv2dOptions, Padding } from './backend.js';
export type { RingTensor, Shape } from './tensor.js';
