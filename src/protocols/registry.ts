/**
 * The registry of protocols: the plan schema validates a plan's `protocol` against
 * it, the compiler lowers to the spec it names, and the runtime pairs each spec with
 * its kernel implementations. Adding a protocol adds one entry here.
 */
import { TfeError } from '../errors.js';
import { POND } from './pond.js';
import { SECURENN } from './securenn.js';
import type { ProtocolSpec } from './spec.js';

export const PROTOCOLS: ReadonlyMap<string, ProtocolSpec> = new Map([
  [POND.name, POND],
  [SECURENN.name, SECURENN],
]);

export const DEFAULT_PROTOCOL = POND.name;

/** The spec of protocol `name`; E_ARG naming the available ones if there is none. */
export function protocolSpec(name: string): ProtocolSpec {
  const p = PROTOCOLS.get(name);
  if (!p) throw new TfeError('E_ARG', `unknown protocol '${name}'`, `available: ${[...PROTOCOLS.keys()].join(', ')}`);
  return p;
}
