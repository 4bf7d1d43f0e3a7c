/**
 * The graph pass pipeline: one ordered, commented list. `runPipeline` verifies the IR
 * as the frontend returns it and after every pass (shapes are required from
 * shape-inference on), and can stop after any pass to dump the IR (`--emit ir:PASS`).
 */
import { TfeError } from '../src/errors.js';
import type { IrGraph } from '../src/ir/node.js';
import { verifyGraph, type VerifyStage } from '../src/ir/verify.js';
import { checkSupportedPass } from './passes/check-supported.js';
import { clientOneHotPass } from './passes/client-one-hot.js';
import { constFeedPass } from './passes/const-feed.js';
import { cutPass } from './passes/cut.js';
import { foldBatchNormPass } from './passes/fold-batchnorm.js';
import { foldConstantsPass } from './passes/fold-constants.js';
import { foldRangesPass } from './passes/fold-ranges.js';
import { normalizeAttrsPass } from './passes/normalize-attrs.js';
import { type Pass, type PassOptions } from './passes/pass.js';
import { prunePass } from './passes/prune.js';
import { removeIdentityPass } from './passes/remove-identity.js';
import { shapeInferencePass } from './passes/shape-inference.js';

/** The passes, in the order they run. */
export const PIPELINE: readonly Pass[] = [
  // Keep only what the requested outputs (--output) need; side branches vanish first.
  prunePass,
  // Start at the --input tensors: whatever only they needed (e.g. an audio front-end) goes.
  cutPass,
  // Feed the --const inputs (keep_prob, is_training) so their branches become constant.
  constFeedPass,
  // Nodes fed by a random draw whose value range is one number become constants
  // (TF1 dropout with --const keep_prob=1.0: floor(1 + U) = 1); the random ops go.
  foldRangesPass,
  // Any op the frontend could not convert and the cut did not remove is an error, listed all at once.
  checkSupportedPass,
  // One spelling per attribute: [1,h,w,1] windows, TF defaults written out.
  normalizeAttrsPass,
  // Evaluate everything computed from constants (shape arithmetic, Rsqrt of variances...).
  foldConstantsPass,
  // Drop Identity / inference Dropout / x*1 leftovers (some appear only after folding).
  removeIdentityPass,
  // Every node gets its shape (batch -1 unless fixed) and dtype; from here on shapes are verified.
  shapeInferencePass,
  // Embedding lookups at client-given ids: a one-hot input (made by the client) times the table.
  clientOneHotPass,
  // Fold batch normalisation into the linear op before it (keeps shapes).
  foldBatchNormPass,
];

/** The pass names, plus `frontend` for the IR as loaded. */
export const PASS_NAMES: readonly string[] = ['frontend', ...PIPELINE.map((p) => p.name)];

/** Name of the first pass after which the IR must be fully shaped. */
const SHAPED_FROM = shapeInferencePass.name;

export interface PipelineControl {
  /** Stop after this pass (or `frontend`: before any) and return the IR at that point. */
  readonly emitAfter?: string;
  /** Called with the IR after each pass (and `frontend`), e.g. to dump it. */
  readonly onPass?: (name: string, g: IrGraph) => void;
}

/** Runs the pipeline on `g`; E_ARG for an unknown `emitAfter`, E_IR if a pass breaks the IR. */
export function runPipeline(g: IrGraph, opts: PassOptions, control: PipelineControl = {}): IrGraph {
  const stop = control.emitAfter;
  if (stop !== undefined && !PASS_NAMES.includes(stop)) {
    throw new TfeError('E_ARG', `unknown pass "${stop}" in --emit ir:${stop}`, `the passes are: ${PASS_NAMES.join(', ')}`);
  }
  verifyGraph(g, 'loaded', 'frontend');
  control.onPass?.('frontend', g);
  if (stop === 'frontend') return g;
  let cur = g;
  let stage: VerifyStage = 'loaded';
  for (const pass of PIPELINE) {
    cur = pass.run(cur, opts);
    if (pass.name === SHAPED_FROM) stage = 'shaped';
    verifyGraph(cur, stage, pass.name);
    control.onPass?.(pass.name, cur);
    if (pass.name === stop) return cur;
  }
  return cur;
}
