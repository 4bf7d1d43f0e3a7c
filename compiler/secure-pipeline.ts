/**
 * The secure pipeline, after the graph pipeline (pipeline.ts): one ordered, commented
 * list of ring-level passes. `to-ring` is the level boundary (TF ops -> ring ops); the
 * ring IR is verified after every pass (visibility from `visibility` on, scales and
 * headroom after `fixed-point`), and the IR can be dumped after any pass
 * (`--emit ir:PASS`).
 */
import { TfeError } from '../src/errors.js';
import type { IrGraph } from '../src/ir/node.js';
import type { RingGraph } from '../src/ir/ring-ops.js';
import { verifyRing, type RingStage } from './ring/verify.js';
import { activationsPass } from './secure/activations.js';
import { fixedPointPass } from './secure/fixed-point.js';
import { foldScalarMulsPass } from './secure/fold-scalar-muls.js';
import type { SecureOptions } from './secure/options.js';
import type { RingPass } from './secure/pass.js';
import { maxpoolPlanPass } from './secure/maxpool-plan.js';
import { reluMaxpoolSwapPass } from './secure/relu-maxpool-swap.js';
import { toRing } from './secure/to-ring.js';
import { visibilityPass } from './secure/visibility.js';

/** The name of the boundary step (TF-level graph -> ring IR). */
export const TO_RING = 'to-ring';

/** The ring passes, in the order they run (after to-ring). */
export const SECURE_PIPELINE: readonly RingPass[] = [
  // Multiplications by constants fold into one constant or into the weights before them.
  foldScalarMulsPass,
  // Inputs and weights secret (weights public with --public-weights), compiler constants public.
  visibilityPass,
  // maxpool(relu(x)) -> relu(maxpool(x)): the comparisons run on the pooled tensor.
  reluMaxpoolSwapPass,
  // relu(maxpool(x)) -> maxpool(x) with attrs.relu; each pool's method (all pairs or tournament).
  maxpoolPlanPass,
  // sigmoid / tanh (and relu with --relu poly) -> clamp + polynomial on a stated domain.
  activationsPass,
  // Scales, encodings, lazy truncations, headroom check (E_RANGE).
  fixedPointPass,
];

export const SECURE_PASS_NAMES: readonly string[] = [TO_RING, ...SECURE_PIPELINE.map((p) => p.name)];

function stageAfter(name: string, prev: RingStage): RingStage {
  if (name === fixedPointPass.name) return 'scaled';
  if (name === visibilityPass.name) return 'visible';
  return prev;
}

export interface SecureControl {
  readonly emitAfter?: string;
  readonly onPass?: (name: string, g: RingGraph) => void;
}

/** Runs to-ring and the ring passes on a graph the graph pipeline produced. */
export function runSecurePipeline(g: IrGraph, opts: SecureOptions, control: SecureControl = {}): RingGraph {
  const stop = control.emitAfter;
  if (stop !== undefined && !SECURE_PASS_NAMES.includes(stop)) {
    throw new TfeError('E_ARG', `unknown secure pass "${stop}"`, `the secure passes are: ${SECURE_PASS_NAMES.join(', ')}`);
  }
  let cur = toRing(g, opts);
  let stage: RingStage = 'ring';
  verifyRing(cur, stage, TO_RING);
  control.onPass?.(TO_RING, cur);
  if (stop === TO_RING) return cur;
  for (const pass of SECURE_PIPELINE) {
    cur = pass.run(cur, opts);
    stage = stageAfter(pass.name, stage);
    verifyRing(cur, stage, pass.name);
    control.onPass?.(pass.name, cur);
    if (pass.name === stop) return cur;
  }
  return cur;
}
