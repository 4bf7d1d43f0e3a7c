/**
 * The compiler's lowering tables by protocol name (the protocols themselves are in
 * src/protocols/registry.ts). A protocol the compiler cannot lower to is E_ARG.
 */
import { TfeError } from '../../src/errors.js';
import { POND } from '../../src/protocols/pond.js';
import { SECURENN } from '../../src/protocols/securenn.js';
import type { LoweringTable } from './lower.js';
import { POND_LOWERING } from './pond.js';

export const LOWERINGS: ReadonlyMap<string, LoweringTable> = new Map([
  [POND.name, POND_LOWERING],
  // securenn's kernels have Pond's names, operands and attributes (src/protocols/securenn.ts): the same rules lower to both
  [SECURENN.name, POND_LOWERING],
]);

/** The lowering table for protocol `name`; E_ARG naming the ones the compiler has. */
export function loweringTable(name: string): LoweringTable {
  const t = LOWERINGS.get(name);
  if (!t) throw new TfeError('E_ARG', `the compiler cannot lower to protocol '${name}'`, `available: ${[...LOWERINGS.keys()].join(', ')}`);
  return t;
}
