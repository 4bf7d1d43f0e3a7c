/**
 * Builds the model zoo: trains the benchmark networks A–D (models/zoo.ts) on MNIST
 * test-set images 0..7999 and writes each as a TF.js layers model with a sample input
 * and an INFO.json (parameter count, training setup, held-out accuracy on 8000..9999).
 *
 *   node dist/models/build.js [A B C D] [--out DIR] [--epochs N] [--train N]
 *   node --import tsx models/build.ts A D
 *
 * `--epochs` / `--train` override the recorded setup (for quick trials; do not commit
 * what they produce). Output: DIR/<net>/{model.json, weights.bin, sample.json, INFO.json},
 * DIR defaulting to models/zoo in the repository.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { isNetName, NETS, ZOO_DIR, type NetName } from './index.js';
import { readMnistTestSet, sliceMnist, type Mnist } from './mnist.js';
import { accuracy, BUILDERS, predictClasses, serialise, train, TRAIN_SETUPS, type TrainSetup } from './zoo.js';

/** Held-out range the accuracy is reported on, and the smaller range the tests recompute. */
const HELD_OUT: readonly [number, number] = [8000, 10000];
const TEST_RANGE: readonly [number, number] = [8000, 8500];
const MAX_FILE_BYTES = 2 * 1024 * 1024;

const DESCRIPTIONS: Readonly<Record<NetName, string>> = {
  A: 'Dense 128 - ReLU - Dense 128 - ReLU - Dense 10',
  B: 'Conv 16@5x5 - MaxPool 2 - ReLU - Conv 16@5x5 - MaxPool 2 - ReLU - Dense 100 - ReLU - Dense 10',
  C: 'Conv 20@5x5 - MaxPool 2 - ReLU - Conv 50@5x5 - MaxPool 2 - ReLU - Dense 500 - ReLU - Dense 10',
  D: 'Conv 5@5x5 stride 2 same - ReLU - Dense 100 - ReLU - Dense 10',
};

interface Args {
  nets: NetName[];
  out: string;
  epochs?: number;
  train?: number;
}

function parseArgs(argv: readonly string[]): Args {
  const nets: NetName[] = [];
  let out = ZOO_DIR;
  let epochs: number | undefined;
  let trainN: number | undefined;
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') out = resolve(argv[++i] ?? '');
    else if (a === '--epochs') epochs = int(a, argv[++i]);
    else if (a === '--train') trainN = int(a, argv[++i]);
    else if (isNetName(a)) nets.push(a);
    else throw new Error(`unknown argument '${a}' (nets: ${NETS.join(' ')}; flags: --out DIR, --epochs N, --train N)`);
  }
  return { nets: nets.length > 0 ? nets : [...NETS], out, epochs, train: trainN };
}

function log(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** The first held-out image the model classifies correctly (the sample; usually the first). */
async function pickSample(model: tfl.LayersModel, heldOut: Mnist): Promise<number> {
  const pred = await predictClasses(model, sliceMnist(heldOut, 0, 50));
  for (let i = 0; i < pred.length; i++) if (pred[i] === heldOut.labels[i]) return i;
  throw new Error('none of the first 50 held-out images is classified correctly');
}

/** The image as a nested [1, 28, 28, 1] array. */
function nested(images: Float32Array, index: number): number[][][][] {
  const img: number[][][] = [];
  for (let r = 0; r < 28; r++) {
    const row: number[][] = [];
    for (let c = 0; c < 28; c++) row.push([images[index * 784 + r * 28 + c]]);
    img.push(row);
  }
  return [img];
}

async function buildNet(net: NetName, args: Args, mnist: Mnist): Promise<void> {
  const base = TRAIN_SETUPS[net];
  const setup: TrainSetup = { ...base, epochs: args.epochs ?? base.epochs, trainImages: args.train ?? base.trainImages };
  const trainSet = sliceMnist(mnist, 0, setup.trainImages);
  const heldOut = sliceMnist(mnist, HELD_OUT[0], HELD_OUT[1]);
  const testRange = sliceMnist(mnist, TEST_RANGE[0], TEST_RANGE[1]);
  const model = BUILDERS[net](setup.seed);
  log(`network ${net}: ${model.countParams()} parameters; training on images 0..${setup.trainImages - 1}, ${setup.epochs} epochs, batch ${setup.batchSize}, Adam lr ${setup.learningRate}`);
  const t0 = Date.now();
  const mirrorDiff = await train(model, trainSet, setup, (l) => log(`network ${net}: ${l}`));
  if (!(mirrorDiff < 1e-4)) throw new Error(`network ${net}: the trained layers model differs from the training mirror by ${mirrorDiff}`);
  const seconds = (Date.now() - t0) / 1000;
  const accHeldOut = await accuracy(model, heldOut);
  const accTest = await accuracy(model, testRange);
  const accTrain = await accuracy(model, trainSet);
  log(`network ${net}: trained in ${seconds.toFixed(0)} s; accuracy ${(100 * accTrain).toFixed(2)}% on the training images, ${(100 * accHeldOut).toFixed(2)}% held out (${HELD_OUT[0]}..${HELD_OUT[1] - 1}), ${(100 * accTest).toFixed(2)}% on ${TEST_RANGE[0]}..${TEST_RANGE[1] - 1}`);

  const dir = join(args.out, net);
  mkdirSync(dir, { recursive: true });
  const { json, weights } = await serialise(model);
  const modelJson = JSON.stringify(json);
  for (const [f, bytes] of [['model.json', modelJson.length], ['weights.bin', weights.length]] as const) {
    if (bytes >= MAX_FILE_BYTES) throw new Error(`network ${net}: ${f} is ${bytes} bytes, over the 2 MB limit`);
  }
  writeFileSync(join(dir, 'model.json'), modelJson + '\n');
  writeFileSync(join(dir, 'weights.bin'), weights);
  const s = await pickSample(model, heldOut);
  const index = HELD_OUT[0] + s;
  writeFileSync(join(dir, 'sample.json'), JSON.stringify({ index, label: mnist.labels[index], input: nested(mnist.images, index) }) + '\n');
  const info = {
    net,
    architecture: DESCRIPTIONS[net],
    input: { shape: [-1, 28, 28, 1], layout: 'NHWC', scaling: 'pixel / 255' },
    output: 'softmax over the 10 digit classes',
    params: model.countParams(),
    layers: model.layers.map((l) => ({ name: l.name, class: l.getClassName(), params: l.countParams() })),
    files: { 'model.json': modelJson.length + 1, 'weights.bin': weights.length },
    training: {
      data: `MNIST test set images 0..${setup.trainImages - 1} (only the test set is available here)`,
      epochs: setup.epochs,
      batchSize: setup.batchSize,
      optimizer: 'adam',
      learningRate: setup.learningRate,
      loss: 'categoricalCrossentropy',
      seed: setup.seed,
      initialiser: 'glorotUniform (seeded) kernels, zero biases',
      seconds: Math.round(seconds),
      tfjs: `tfjs-layers ${tfl.version_layers}, tfjs-backend-cpu`,
    },
    accuracy: {
      train: accTrain,
      heldOut: { images: `${HELD_OUT[0]}..${HELD_OUT[1] - 1}`, n: heldOut.n, accuracy: accHeldOut },
      testSubset: { images: `${TEST_RANGE[0]}..${TEST_RANGE[1] - 1}`, n: testRange.n, accuracy: accTest },
    },
    sample: { index, label: mnist.labels[index] },
  };
  writeFileSync(join(dir, 'INFO.json'), JSON.stringify(info, null, 2) + '\n');
  log(`network ${net}: wrote ${dir} (model.json ${modelJson.length + 1} B, weights.bin ${weights.length} B)`);
  model.dispose();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const mnist = readMnistTestSet();
  for (const net of args.nets) await buildNet(net, args, mnist);
}

main().catch((e: unknown) => {
  console.error(`models/build: ${(e as Error).message}`);
  process.exit(1);
});
