/**
 * The `kind` of a model output in the plan (OutputBinding.kind), from the TF-level
 * node that produces it:
 * - 'probabilities': the model ends with a Softmax; the client applies it to the
 *   revealed logits (postprocess 'softmax');
 * - 'label': an ArgMax;
 * - 'logits': a classifier head without its softmax: a [N, K] output, K >= 2, computed
 *   by a dense layer (MatMul, or MatMul then a bias: BiasAdd / Add / AddV2). A dense
 *   multi-target regression is indistinguishable from it and is shown as class scores;
 * - 'values': anything else (a [N, 1] or [N] regression, features, other ops).
 * A program's outputs (graph source format PROGRAM_FORMAT) are what the program says it
 * computes: 'label' for an ArgMax, else 'values' (the logits guess is for models).
 */
import type { IrNode } from '../../src/ir/node.js';

export type OutputKind = 'values' | 'logits' | 'probabilities' | 'label';

const BIAS = new Set(['BiasAdd', 'Add', 'AddV2']);

/** The graph source format of a program (compiler/program): its outputs' kinds are not guessed. */
export const PROGRAM_FORMAT = 'program';

export function outputKind(node: IrNode | undefined, producer: (id: string) => IrNode | undefined, format?: string): OutputKind {
  if (!node) return 'values';
  if (format === PROGRAM_FORMAT) return node.op === 'ArgMax' ? 'label' : 'values';
  if (node.op === 'Softmax') return 'probabilities';
  if (node.op === 'ArgMax') return 'label';
  const s = node.shape;
  if (!s || s.length !== 2 || s[1] < 2) return 'values';
  if (node.op === 'MatMul') return 'logits';
  if (BIAS.has(node.op) && node.inputs.some((i) => producer(i)?.op === 'MatMul')) return 'logits';
  return 'values';
}
