/** What a secure pass is: a named ring-graph rewrite with a one-line purpose and the secure options. */
import type { RingGraph } from '../../src/ir/ring-ops.js';
import type { SecureOptions } from './options.js';

export interface RingPass {
  readonly name: string;
  /** One line: what the pass does. */
  readonly purpose: string;
  readonly run: (g: RingGraph, opts: SecureOptions) => RingGraph;
}
