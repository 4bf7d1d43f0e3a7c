/**
 * Labelled examples for `tfe eval`, fitted to the model's (single) input:
 * - `--mnist DIR`: the MNIST test set (IDX files), pixels / 255;
 * - `--data DIR`: one sub-folder of images per class, as Keras'
 *   `image_dataset_from_directory` reads them: the class names are the sub-folders'
 *   names in sorted order and a class's index is its position in that order. Each image
 *   is read exactly as `tfe run --input` reads it (runtime/io/inputs.ts: PNG, pixels /
 *   255, `--resize` to resize). Files with other image extensions (.jpg, .jpeg, .bmp,
 *   .gif) are refused (only PNG is decoded); other files are skipped, as Keras does.
 *   Examples are taken in round-robin order over the classes (the first image of each
 *   class, then the second, ...), files sorted by name, so `--limit N` covers every class;
 * - `--npy X.npy --labels-npy Y.npy`: X holds N examples (N first), Y the N labels as
 *   integers ([N] or [N, 1]) or one-hot / scores ([N, K], argmax taken).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { TfeError } from '../../src/errors.js';
import type { InputBinding } from '../../src/plan/index.js';
import { fittedShape } from '../io/fit-shape.js';
import { readInputFile } from '../io/inputs.js';
import { readMnistDir } from '../io/mnist.js';
import { parseNpy } from '../io/npy.js';
import { argmaxRows } from './compare.js';

export interface EvalSet {
  readonly n: number;
  /** The shape of one example as the model takes it (the input's shape without the batch). */
  readonly example: readonly number[];
  /** n examples, row-major, one after the other. */
  readonly data: Float64Array;
  readonly labels: readonly number[];
  /** Class names when the source has them (the --data sub-folders). */
  readonly classNames?: readonly string[];
}

const perExample = (b: InputBinding): number => b.shape.slice(1).reduce((a, d) => a * d, 1);

function onlyInput(inputs: readonly InputBinding[], what: string): InputBinding {
  if (inputs.length !== 1) throw new TfeError('E_ARG', `eval ${what} needs a model with one input; this one has ${inputs.length}`);
  if (inputs[0].shape.slice(1).some((d) => d < 0)) throw new TfeError('E_SHAPE', `eval needs an input whose shape is fixed beyond the batch; '${inputs[0].name}' is [${inputs[0].shape.join(',')}]`);
  return inputs[0];
}

export function mnistSet(dir: string, inputs: readonly InputBinding[], limit: number): EvalSet {
  const b = onlyInput(inputs, '--mnist');
  if (perExample(b) !== 784) throw new TfeError('E_SHAPE', `eval --mnist needs a model taking 28x28 images; input '${b.name}' has shape [${b.shape.join(',')}]`);
  const set = readMnistDir(dir, limit);
  return { n: set.n, example: b.shape.slice(1), data: set.images, labels: Array.from(set.labels) };
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.bmp', '.gif']);
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort(byName);
  } catch (e) {
    throw new TfeError('E_IO', `cannot read the folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function folderSet(dir: string, inputs: readonly InputBinding[], limit: number, opts: { resize: boolean }): EvalSet {
  const b = onlyInput(inputs, '--data');
  const classNames = list(dir).filter((d) => statSync(join(dir, d)).isDirectory());
  if (!classNames.length) throw new TfeError('E_ARG', `--data ${dir} has no sub-folders`, 'put the images of each class in a sub-folder named after the class');
  const files = classNames.map((c) => list(join(dir, c)).filter((f) => {
    const ext = extname(f).toLowerCase();
    if (IMAGE_EXTENSIONS.has(ext)) throw new TfeError('E_FORMAT', `${join(dir, c, f)}: only PNG images are read`, 'convert the images to PNG');
    return ext === '.png';
  }));
  const order: { path: string; label: number }[] = [];
  for (let i = 0; order.length < limit && files.some((f) => i < f.length); i++) {
    files.forEach((f, label) => {
      if (i < f.length && order.length < limit) order.push({ path: join(dir, classNames[label], f[i]), label });
    });
  }
  if (!order.length) throw new TfeError('E_ARG', `--data ${dir}: its sub-folders hold no .png images`);
  const per = perExample(b);
  const data = new Float64Array(order.length * per);
  order.forEach((e, i) => {
    const x = readInputFile(e.path, [b], { resize: opts.resize })[b.name];
    if (x.data.length !== per) throw new TfeError('E_SHAPE', `${e.path} gives ${x.data.length} values; the model takes ${per} per example`);
    data.set(x.data, i * per);
  });
  return { n: order.length, example: b.shape.slice(1), data, labels: order.map((e) => e.label), classNames };
}

export function npySet(xPath: string, yPath: string, inputs: readonly InputBinding[], limit: number): EvalSet {
  const b = onlyInput(inputs, '--npy');
  const read = (p: string) => {
    try {
      return parseNpy(readFileSync(p), p);
    } catch (e) {
      if (e instanceof TfeError) throw e;
      throw new TfeError('E_IO', `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const x = read(xPath);
  const y = read(yPath);
  const per = perExample(b);
  // the examples' shape must be the model's (or a square image for [N, H*W]), never reinterpreted by element count
  const fitted = fittedShape([-1, ...b.shape.slice(1)], x.shape);
  const total = fitted?.[0] ?? 0;
  if (fitted === undefined || x.shape.length < 2 || per === 0 || total * per !== x.data.length) {
    throw new TfeError('E_SHAPE', `${xPath} has shape [${x.shape.join(',')}]; the model's input '${b.name}' takes [N,${b.shape.slice(1).join(',')}]`);
  }
  if (y.shape[0] !== total || (y.shape.length > 2)) throw new TfeError('E_SHAPE', `${yPath} has shape [${y.shape.join(',')}]; expected [${total}] labels for the ${total} examples of ${xPath}`);
  const k = y.shape.length === 2 ? y.shape[1] : 1;
  const labels = k > 1 ? argmaxRows(y.data, k) : Array.from(y.data);
  if (labels.some((l) => !Number.isInteger(l) || l < 0)) throw new TfeError('E_FORMAT', `${yPath}: labels must be non-negative integers (or one-hot rows)`);
  const n = Math.min(limit, total);
  return { n, example: b.shape.slice(1), data: x.data.subarray(0, n * per), labels: labels.slice(0, n) };
}
