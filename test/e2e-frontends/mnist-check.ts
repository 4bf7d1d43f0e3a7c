/**
 * The MNIST check shared by the per-model tests: IR interpreter accuracy on the first
 * 1000 test images (all 10,000 with TFE_MNIST_FULL=1, then it must match PROVENANCE.md
 * within 0.0005), and agreement with tfjs running the original model on the first
 * images (max |IR - tfjs| within 1e-4, outputs of magnitude <= 10 or relative beyond);
 * also every node's inferred shape against the shape it evaluates to.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { PlainTensor } from '../../runtime/plaintext/interpreter.js';
import type { IrGraph } from '../../src/ir/node.js';
import { readMnist } from '../support/mnist.js';
import { argmaxRows, assertShapesMatchRun, maxAbs, maxAbsDiff, runIrSingle } from './helpers.js';

export const FULL = process.env.TFE_MNIST_FULL === '1';
/** Images in the CI subset. */
const SUBSET = 1000;
/** Images also run through tfjs for the agreement check. */
const AGREE = 100;
const BATCH = 100;

export interface MnistCase {
  readonly g: IrGraph;
  /** The model's input shape for a batch of n images (e.g. [n, 784] or [n, 28, 28, 1]). */
  readonly shape: (n: number) => number[];
  /** Accuracy on all 10,000 images from PROVENANCE.md. */
  readonly provenance: number;
  readonly reference: (x: PlainTensor) => Promise<PlainTensor>;
}

export async function mnistCheck(t: TestContext, c: MnistCase): Promise<number> {
  const set = readMnist(FULL ? 10000 : SUBSET);
  assertShapesMatchRun(c.g, { shape: c.shape(2), data: Float64Array.from(set.images.subarray(0, 2 * 784)) });
  let correct = 0;
  let worst = 0;
  for (let start = 0; start < set.n; start += BATCH) {
    const n = Math.min(BATCH, set.n - start);
    const x: PlainTensor = { shape: c.shape(n), data: Float64Array.from(set.images.subarray(start * 784, (start + n) * 784)) };
    const y = runIrSingle(c.g, x);
    argmaxRows(y).forEach((p, i) => {
      if (p === set.labels[start + i]) correct++;
    });
    if (start < AGREE) {
      const want = await c.reference(x);
      worst = Math.max(worst, maxAbsDiff(y, want) / Math.max(1, maxAbs(want) / 10));
    }
  }
  const acc = correct / set.n;
  t.diagnostic(`IR interpreter accuracy ${acc} on ${set.n} images (PROVENANCE: ${c.provenance} on 10,000); max |IR - tfjs| ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-4, `IR and tfjs differ by ${worst}`);
  if (FULL) assert.ok(Math.abs(acc - c.provenance) <= 0.0005, `accuracy ${acc}, PROVENANCE says ${c.provenance}`);
  // The first 1000 images are no easier than the rest; 3 points below the full-set figure is a broken model.
  else assert.ok(acc >= c.provenance - 0.03, `accuracy ${acc} on the first ${set.n} images`);
  return acc;
}
