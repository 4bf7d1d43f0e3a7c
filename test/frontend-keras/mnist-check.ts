/**
 * Shared MNIST check for the Keras frontend tests: the frontend's IR, run by the tests'
 * float64 forward pass (ir-forward.ts) from the weights the frontend extracted, against the
 * original model run by tfjs-layers from keras-artifacts.ts, on the first N test images.
 */
import type { IrGraph } from '../../src/ir/node.js';
import type { TfjsLayersArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import { readMnist } from '../support/mnist.js';
import { runIr } from './ir-forward.js';
import { loadReference, predict } from './tfjs-reference.js';

export interface MnistComparison {
  n: number;
  /** Accuracy of the IR forward pass (float64) and of tfjs-layers (float32). */
  irAccuracy: number;
  tfjsAccuracy: number;
  /** Largest |p_ir - p_tfjs| over all images and classes. */
  maxAbsDiff: number;
  /** Images on which the two predict different classes. */
  disagreements: number;
}

function argmax(v: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
  return best;
}

export async function compareOnMnist(graph: IrGraph, artifacts: TfjsLayersArtifacts, limit: number): Promise<MnistComparison> {
  const { images, labels, n } = readMnist(limit);
  const model = await loadReference(artifacts);
  const ref = predict(model, images, [n, 28, 28, 1]);
  let irCorrect = 0;
  let tfCorrect = 0;
  let maxAbsDiff = 0;
  let disagreements = 0;
  const chunk = 100;
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    const x = Float64Array.from(images.subarray(i * 784, (i + m) * 784));
    const [y] = runIr(graph, { [graph.inputs[0]]: { shape: [m, 28, 28, 1], data: x } });
    for (let j = 0; j < m; j++) {
      const a = argmax(y.data, j * 10, 10);
      const b = argmax(ref, (i + j) * 10, 10);
      if (a === labels[i + j]) irCorrect++;
      if (b === labels[i + j]) tfCorrect++;
      if (a !== b) disagreements++;
      for (let k = 0; k < 10; k++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(y.data[j * 10 + k] - ref[(i + j) * 10 + k]));
    }
  }
  model.dispose();
  return { n, irAccuracy: irCorrect / n, tfjsAccuracy: tfCorrect / n, maxAbsDiff, disagreements };
}
