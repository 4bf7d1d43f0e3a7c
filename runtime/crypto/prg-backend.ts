/**
 * Which AES-128-CTR implementation the PRG uses: 'aes-ni' (the native addon's
 * AES-NI code, runtime/crypto/aes-native.ts) when it is available, else 'node'
 * (node:crypto). Both give the same stream. `TFE_PRG=node` forces node:crypto;
 * `TFE_PRG=aes-ni` requires the native path (an error if it is unavailable).
 * Read at each Prg construction, so a process may change it between Prgs.
 */
import { TfeError } from '../../src/errors.js';
import { nativeAes } from './aes-native.js';

export type PrgBackend = 'aes-ni' | 'node';

/** The PRG backend selected by `env.TFE_PRG` and what this machine has; throws TfeError on a bad value. */
export function prgBackend(env: Readonly<Record<string, string | undefined>> = process.env): PrgBackend {
  const want = env.TFE_PRG;
  if (want === 'node') return 'node';
  if (want === undefined || want === '') return nativeAes() ? 'aes-ni' : 'node';
  if (want === 'aes-ni') {
    if (nativeAes()) return 'aes-ni';
    throw new TfeError('E_BACKEND', "TFE_PRG='aes-ni': the native addon is not built or this CPU has no AES instructions",
      'unset TFE_PRG to fall back to node:crypto');
  }
  throw new TfeError('E_ARG', `TFE_PRG='${want}' is not one of aes-ni, node`);
}
