/**
 * The ring backend protocol tests run on: TFE_RING_BACKEND if set, else the
 * process default (native, else wasm). While neither engine is built the suite
 * runs on the BigInt reference and says so once.
 */
import { defaultBackend, tryBackend } from '../../runtime/ring/index.js';
import type { RingBackend } from '../../runtime/ring/backend.js';
import { jsBackend } from '../../runtime/ring/js.js';

let warned = false;

export function testBackend(): RingBackend {
  if (process.env.TFE_RING_BACKEND) return defaultBackend();
  const b = tryBackend('native') ?? tryBackend('wasm');
  if (b) return defaultBackend();
  if (!warned) {
    console.log('# no native or wasm ring engine is built: protocol tests run on the BigInt reference backend');
    warned = true;
  }
  return jsBackend;
}
