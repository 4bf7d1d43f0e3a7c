/**
 * The runtime's protocols: each protocol of the registry (src/protocols/registry.ts)
 * with its kernel implementations. A plan names its protocol; parties look it up here.
 */
import { TfeError } from '../../src/errors.js';
import { PROTOCOLS } from '../../src/protocols/registry.js';
import { pond } from './pond/index.js';
import { securenn } from './securenn/index.js';
import type { KernelRegistry } from './registry.js';

const IMPLEMENTED: ReadonlyMap<string, KernelRegistry> = new Map([
  [pond.protocol, pond],
  [securenn.protocol, securenn],
]);

export function kernelsFor(protocol: string): KernelRegistry {
  const k = IMPLEMENTED.get(protocol);
  if (!k) {
    throw new TfeError('E_UNSUPPORTED', `this runtime has no implementation of protocol '${protocol}'`, `implemented: ${[...IMPLEMENTED.keys()].join(', ')}; known: ${[...PROTOCOLS.keys()].join(', ')}`);
  }
  return k;
}
