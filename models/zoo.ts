/**
 * The benchmark networks A–D of DESIGN.md ("Benchmark networks") as tfjs-layers
 * Sequential models, with seeded initialisation and deterministic training (Adam,
 * fixed-seed shuffling; no Math.random), and the held-out evaluation the zoo reports.
 *
 * All four take NHWC [-1, 28, 28, 1] input (MNIST pixels / 255) so one input format
 * serves every network; A starts with a Flatten. Conv padding is VALID unless stated.
 * The last layer is a Dense 10 with a softmax activation (the compiler turns a final
 * softmax into client post-processing). Layers have fixed names so the saved files do
 * not depend on tfjs' global name counters.
 *
 * Training runs its gradient steps on a "training mirror" of the Sequential model (the
 * same computation in tfjs-core ops with fast gradients on the cpu backend, see
 * `mirror`), then writes the weights back into the layers model, which is what is saved.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Mnist } from './mnist.js';
import type { NetName } from './index.js';

/** Selects tfjs' cpu backend (PROD mode: no debug-mode checks). */
export async function tfReady(): Promise<void> {
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}

/** Hands out distinct initializer seeds from a base seed, layer after layer. */
class Seeds {
  private next: number;
  constructor(base: number) {
    this.next = base;
  }
  kernel(): ReturnType<typeof tfl.initializers.glorotUniform> {
    return tfl.initializers.glorotUniform({ seed: this.next++ });
  }
}

function conv(name: string, filters: number, seeds: Seeds, extra: { strides?: number; padding?: 'valid' | 'same'; activation?: 'relu'; inputShape?: number[] } = {}): tfl.layers.Layer {
  return tfl.layers.conv2d({
    name,
    filters,
    kernelSize: 5,
    strides: extra.strides ?? 1,
    padding: extra.padding ?? 'valid',
    activation: extra.activation ?? 'linear',
    kernelInitializer: seeds.kernel(),
    biasInitializer: 'zeros',
    ...(extra.inputShape ? { inputShape: extra.inputShape } : {}),
  });
}

function dense(name: string, units: number, activation: 'relu' | 'softmax', seeds: Seeds): tfl.layers.Layer {
  return tfl.layers.dense({ name, units, activation, kernelInitializer: seeds.kernel(), biasInitializer: 'zeros' });
}

const INPUT = [28, 28, 1];

/** A: Flatten – Dense 128 – ReLU – Dense 128 – ReLU – Dense 10 (softmax). */
export function networkA(seed: number): tfl.Sequential {
  const s = new Seeds(seed);
  return tfl.sequential({
    name: 'network_A',
    layers: [tfl.layers.flatten({ name: 'flatten', inputShape: INPUT }), dense('dense1', 128, 'relu', s), dense('dense2', 128, 'relu', s), dense('dense3', 10, 'softmax', s)],
  });
}

/** The conv – maxpool 2 – relu blocks of B and C, then Dense `hidden` – ReLU – Dense 10. */
function convPoolNet(name: string, f1: number, f2: number, hidden: number, seed: number): tfl.Sequential {
  const s = new Seeds(seed);
  return tfl.sequential({
    name,
    layers: [
      conv('conv1', f1, s, { inputShape: INPUT }),
      tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2, padding: 'valid' }),
      tfl.layers.activation({ name: 'relu1', activation: 'relu' }),
      conv('conv2', f2, s),
      tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2, padding: 'valid' }),
      tfl.layers.activation({ name: 'relu2', activation: 'relu' }),
      tfl.layers.flatten({ name: 'flatten' }),
      dense('dense1', hidden, 'relu', s),
      dense('dense2', 10, 'softmax', s),
    ],
  });
}

/** B: Conv 16@5x5 – MaxPool 2 – ReLU – Conv 16@5x5 – MaxPool 2 – ReLU – Dense 100 – ReLU – Dense 10. */
export function networkB(seed: number): tfl.Sequential {
  return convPoolNet('network_B', 16, 16, 100, seed);
}

/** C: Conv 20@5x5 – MaxPool 2 – ReLU – Conv 50@5x5 – MaxPool 2 – ReLU – Dense 500 – ReLU – Dense 10. */
export function networkC(seed: number): tfl.Sequential {
  return convPoolNet('network_C', 20, 50, 500, seed);
}

/** D: Conv 5@5x5 stride 2 same – ReLU – Dense 100 – ReLU – Dense 10. */
export function networkD(seed: number): tfl.Sequential {
  const s = new Seeds(seed);
  return tfl.sequential({
    name: 'network_D',
    layers: [conv('conv1', 5, s, { strides: 2, padding: 'same', activation: 'relu', inputShape: INPUT }), tfl.layers.flatten({ name: 'flatten' }), dense('dense1', 100, 'relu', s), dense('dense2', 10, 'softmax', s)],
  });
}

export const BUILDERS: Readonly<Record<NetName, (seed: number) => tfl.Sequential>> = { A: networkA, B: networkB, C: networkC, D: networkD };

/** How a network is trained (recorded in INFO.json). */
export interface TrainSetup {
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Training images: MNIST test-set indices [0, trainImages). */
  readonly trainImages: number;
}

/** Per-network training setups, sized so all four train in well under 15 minutes on 2 cores. */
export const TRAIN_SETUPS: Readonly<Record<NetName, TrainSetup>> = {
  A: { seed: 1001, epochs: 6, batchSize: 64, learningRate: 2e-3, trainImages: 8000 },
  B: { seed: 2001, epochs: 3, batchSize: 64, learningRate: 2e-3, trainImages: 8000 },
  C: { seed: 3001, epochs: 1, batchSize: 32, learningRate: 1e-3, trainImages: 8000 },
  D: { seed: 4001, epochs: 5, batchSize: 64, learningRate: 2e-3, trainImages: 8000 },
};

/** A 32-bit xorshift generator for the epoch shuffles (deterministic, not cryptographic). */
function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Fisher–Yates permutation of 0..n-1 from `next`. */
function permutation(n: number, next: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * One layer of the training mirror: computes the layer's output from its input and
 * the layer's weight variables. `logits` marks the last Dense, whose softmax is left to
 * the loss (softmax cross-entropy on logits is the numerically stable form).
 */
type MirrorLayer = (x: tf.Tensor, logits: boolean) => tf.Tensor;

function cfgNumbers(v: unknown, what: string): number[] {
  const a = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(a) || !a.every((d) => typeof d === 'number')) throw new Error(`models: bad ${what} ${JSON.stringify(v)}`);
  return a as number[];
}

function activate(x: tf.Tensor, act: unknown, logits: boolean): tf.Tensor {
  if (act === 'relu') return tf.relu(x);
  if (act === 'linear' || act === undefined || act === null) return x;
  if (act === 'softmax') return logits ? x : tf.softmax(x);
  throw new Error(`models: activation '${String(act)}' is not mirrored`);
}

/**
 * im2col as a differentiable tfjs op written in plain loops: rows are output pixels
 * (n, oy, ox), columns the kernel taps in kernel order (dy, dx, cin), zeros for padding
 * (TF 'same' puts the odd padding pixel at the end). The gradient scatters back (col2im).
 * Conv2D = im2col(x) . kernel[kh*kw*cin, cout] gives tf.conv2d's values with fast
 * gradients: tfjs-backend-cpu's Conv2DBackpropFilter is a naive loop that took seconds
 * per step here, and a slice/concat im2col was not much better.
 */
function im2col(x: tf.Tensor4D, kh: number, kw: number, strides: number[], padding: string): tf.Tensor2D {
  const [b, h, w, cin] = x.shape;
  const [sh, sw] = strides;
  const oh = padding === 'same' ? Math.ceil(h / sh) : Math.floor((h - kh) / sh) + 1;
  const ow = padding === 'same' ? Math.ceil(w / sw) : Math.floor((w - kw) / sw) + 1;
  const top = padding === 'same' ? Math.floor(Math.max((oh - 1) * sh + kh - h, 0) / 2) : 0;
  const left = padding === 'same' ? Math.floor(Math.max((ow - 1) * sw + kw - w, 0) / 2) : 0;
  const width = kh * kw * cin;
  // Calls f(colsOffset, xOffset) for every in-bounds run of cin values.
  const walk = (f: (c: number, xo: number) => void): void => {
    for (let n = 0; n < b; n++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const row = ((n * oh + oy) * ow + ox) * width;
          for (let dy = 0; dy < kh; dy++) {
            const iy = oy * sh + dy - top;
            if (iy < 0 || iy >= h) continue;
            for (let dx = 0; dx < kw; dx++) {
              const ix = ox * sw + dx - left;
              if (ix < 0 || ix >= w) continue;
              f(row + (dy * kw + dx) * cin, ((n * h + iy) * w + ix) * cin);
            }
          }
        }
      }
    }
  };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const xs = input.dataSync() as Float32Array;
    const cols = new Float32Array(b * oh * ow * width);
    walk((c, xo) => {
      for (let k = 0; k < cin; k++) cols[c + k] = xs[xo + k];
    });
    return {
      value: tf.tensor2d(cols, [b * oh * ow, width]) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dx = new Float32Array(b * h * w * cin);
        walk((c, xo) => {
          for (let k = 0; k < cin; k++) dx[xo + k] += g[c + k];
        });
        return tf.tensor4d(dx, [b, h, w, cin]);
      },
    };
  });
  return op(x) as tf.Tensor2D;
}

function convIm2col(x: tf.Tensor4D, kernel: tf.Tensor4D, strides: number[], padding: string): tf.Tensor4D {
  const [b, h, w] = x.shape;
  const [kh, kw, cin, cout] = kernel.shape;
  const oh = padding === 'same' ? Math.ceil(h / strides[0]) : Math.floor((h - kh) / strides[0]) + 1;
  const ow = padding === 'same' ? Math.ceil(w / strides[1]) : Math.floor((w - kw) / strides[1]) + 1;
  return tf.reshape(tf.matMul(im2col(x, kh, kw, strides, padding), tf.reshape(kernel, [kh * kw * cin, cout])), [b, oh, ow, cout]);
}

/** 2x2 stride-2 VALID max pooling in plain loops; the gradient goes to the (first) maximum. */
function maxPool2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const xs = input.dataSync() as Float32Array;
    const out = new Float32Array(b * oh * ow * c);
    const arg = new Int32Array(out.length);
    let o = 0;
    for (let n = 0; n < b; n++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let k = 0; k < c; k++, o++) {
            const base = ((n * h + 2 * oy) * w + 2 * ox) * c + k;
            let best = base;
            if (xs[base + c] > xs[best]) best = base + c;
            if (xs[base + w * c] > xs[best]) best = base + w * c;
            if (xs[base + w * c + c] > xs[best]) best = base + w * c + c;
            out[o] = xs[best];
            arg[o] = best;
          }
        }
      }
    }
    return {
      value: tf.tensor4d(out, [b, oh, ow, c]) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dx = new Float32Array(b * h * w * c);
        for (let i = 0; i < g.length; i++) dx[arg[i]] += g[i];
        return tf.tensor4d(dx, [b, h, w, c]);
      },
    };
  });
  return op(x) as tf.Tensor4D;
}

/**
 * The training mirror of a Sequential model: the same computation written with tfjs-core
 * ops whose gradients are fast on the cpu backend, over variables initialised from the
 * layers' own (seeded) initial weights. After training the variables go back into the
 * layers model (`setWeights`), and the caller checks both give the same outputs.
 */
function mirror(model: tfl.Sequential): { layers: MirrorLayer[]; vars: tf.Variable[] } {
  const vars: tf.Variable[] = [];
  const layers: MirrorLayer[] = [];
  for (const layer of model.layers) {
    const cfg = layer.getConfig() as Record<string, unknown>;
    const ws = layer.getWeights().map((w) => tf.variable(w.clone(), true));
    vars.push(...ws);
    const cls = layer.getClassName();
    if (cls === 'Flatten') layers.push((x) => tf.reshape(x, [x.shape[0], -1]));
    else if (cls === 'Dense') layers.push((x, logits) => activate(tf.add(tf.matMul(x as tf.Tensor2D, ws[0] as tf.Tensor2D), ws[1]), cfg.activation, logits));
    else if (cls === 'Conv2D') {
      const strides = cfgNumbers(cfg.strides, 'strides');
      const padding = String(cfg.padding);
      layers.push((x, logits) => activate(tf.add(convIm2col(x as tf.Tensor4D, ws[0] as tf.Tensor4D, strides, padding), ws[1]), cfg.activation, logits));
    } else if (cls === 'MaxPooling2D') {
      if (cfgNumbers(cfg.poolSize, 'poolSize').join() !== '2,2' || cfgNumbers(cfg.strides, 'strides').join() !== '2,2' || cfg.padding !== 'valid') throw new Error('models: only 2x2/2 VALID max pooling is mirrored');
      layers.push((x) => maxPool2(x as tf.Tensor4D));
    } else if (cls === 'Activation') layers.push((x, logits) => activate(x, cfg.activation, logits));
    else throw new Error(`models: layer class ${cls} is not mirrored`);
  }
  return { layers, vars };
}

function runMirror(layers: readonly MirrorLayer[], x: tf.Tensor): tf.Tensor {
  let y = x;
  layers.forEach((f, i) => {
    y = f(y, i === layers.length - 1);
  });
  return y;
}

/**
 * Trains `model` on `data`: Adam on softmax cross-entropy, minibatches in a seeded order
 * (xorshift32 permutation per epoch). The gradient steps run on the training mirror
 * (see `mirror`); the trained weights are written back into `model`. Returns the largest
 * difference between the mirror's and the layers model's softmax outputs on 64 training
 * images (should be float rounding, ~1e-6). `log` gets one line per epoch.
 */
export async function train(model: tfl.Sequential, data: Mnist, setup: TrainSetup, log: (line: string) => void = () => {}): Promise<number> {
  await tfReady();
  const { layers, vars } = mirror(model);
  const opt = tf.train.adam(setup.learningRate);
  const next = xorshift32(setup.seed * 2654435761);
  const n = data.n;
  const bs = setup.batchSize;
  for (let epoch = 0; epoch < setup.epochs; epoch++) {
    const t0 = Date.now();
    const perm = permutation(n, next);
    let lossSum = 0;
    let steps = 0;
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      const xs = new Float32Array(m * 784);
      const ys = new Float32Array(m * 10);
      for (let i = 0; i < m; i++) {
        const k = perm[s + i];
        xs.set(data.images.subarray(k * 784, k * 784 + 784), i * 784);
        ys[i * 10 + data.labels[k]] = 1;
      }
      const x = tf.tensor4d(xs, [m, 28, 28, 1]);
      const y = tf.tensor2d(ys, [m, 10]);
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, runMirror(layers, x)) as tf.Scalar, true, vars);
      x.dispose();
      y.dispose();
      if (loss === null) throw new Error('models: the optimiser returned no loss');
      lossSum += (await loss.data())[0];
      loss.dispose();
      steps++;
    }
    log(`epoch ${epoch + 1}/${setup.epochs}: mean loss ${(lossSum / steps).toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  model.setWeights(vars);
  const check = Math.min(64, n);
  const diff = tf.tidy(() => {
    const x = tf.tensor4d(data.images.subarray(0, check * 784), [check, 28, 28, 1]);
    return tf.max(tf.abs(tf.sub(tf.softmax(runMirror(layers, x)), model.predict(x) as tf.Tensor)));
  });
  const maxDiff = (await diff.data())[0];
  diff.dispose();
  log(`mirror vs layers model: largest softmax difference ${maxDiff.toExponential(2)} on ${check} images`);
  opt.dispose();
  for (const v of vars) v.dispose();
  return maxDiff;
}

/** Predicted classes (argmax) of `model` on `data`, in batches. */
export async function predictClasses(model: tfl.LayersModel, data: Mnist, batch = 250): Promise<Int32Array> {
  await tfReady();
  const out = new Int32Array(data.n);
  for (let s = 0; s < data.n; s += batch) {
    const e = Math.min(s + batch, data.n);
    const cls = tf.tidy(() => {
      const x = tf.tensor4d(data.images.subarray(s * 784, e * 784), [e - s, 28, 28, 1]);
      return tf.argMax(model.predict(x) as tf.Tensor, -1);
    });
    out.set((await cls.data()) as Int32Array, s);
    cls.dispose();
  }
  return out;
}

/** Share (0..1) of `data` that `model` classifies correctly. */
export async function accuracy(model: tfl.LayersModel, data: Mnist): Promise<number> {
  const pred = await predictClasses(model, data);
  let ok = 0;
  for (let i = 0; i < data.n; i++) if (pred[i] === data.labels[i]) ok++;
  return ok / data.n;
}

/** The model.json a zoo network is saved as (TF.js layers-model format, one weight shard). */
export interface LayersModelJson {
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: null;
  readonly modelTopology: object;
  readonly weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Serialises `model` to a model.json object and its weight bytes (for `weightsFile`). */
export async function serialise(model: tfl.LayersModel, weightsFile = 'weights.bin'): Promise<{ json: LayersModelJson; weights: Uint8Array }> {
  let out: { json: LayersModelJson; weights: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      if (a.modelTopology === undefined || a.modelTopology instanceof ArrayBuffer) throw new Error('models: tfjs returned no JSON model topology');
      const data = a.weightData === undefined ? new ArrayBuffer(0) : Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData;
      out = {
        json: { format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`, convertedBy: null, modelTopology: a.modelTopology, weightsManifest: [{ paths: [weightsFile], weights: a.weightSpecs ?? [] }] },
        weights: new Uint8Array(data),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
    }),
  );
  if (out === undefined) throw new Error('models: the save handler was not called');
  return out;
}

/** Loads a TF.js layers model from `model.json` and its weight shards on disk (no fetch). */
export async function loadLayersModelFile(modelJsonPath: string): Promise<tfl.LayersModel> {
  await tfReady();
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as LayersModelJson;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const b = readFileSync(join(dirname(modelJsonPath), p));
      shards.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
    specs.push(...group.weights);
  }
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: tf.io.concatenateArrayBuffers(shards) }));
}
