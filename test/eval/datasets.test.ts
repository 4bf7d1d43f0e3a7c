/**
 * `tfe eval` on the user's own data: a --data folder (one sub-folder of PNG images per
 * class, written here from MNIST test images) and a --npy / --labels-npy pair give the
 * same counts as --mnist on the same images; a model with a FIXED batch dimension
 * evaluates its last partial batch (padded, padding dropped); `tfe run` warns on stderr
 * about a PNG's trailing bytes.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { main } from '../../src/cli.js';
import { readMnistDir } from '../../runtime/io/mnist.js';
import { MNIST_TESTSET, sharedModel } from '../support/paths.js';
import { npy } from '../support/npy.js';

async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

interface EvalJson { n: number; agreement: number; accuracy_private: number; accuracy_plaintext: number; batch: number; ms_per_example: number }

async function evalJson(...argv: string[]): Promise<EvalJson> {
  const r = await tfe('eval', ...argv, '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  return JSON.parse(r.out) as EvalJson;
}

const N = 40;
const tmp = mkdtempSync(join(tmpdir(), 'tfe-eval-data-'));
const mnist = readMnistDir(MNIST_TESTSET, N);
const CNN = sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb');
const planDir = join(tmp, 'plan');
const fixedDir = join(tmp, 'plan-fixed');
const ready = (async () => {
  assert.equal((await tfe('compile', CNN, '-o', planDir, '--input-range', '0:1')).code, 0);
  assert.equal((await tfe('compile', CNN, '-o', fixedDir, '--input-range', '0:1', '--input', 'Placeholder=8x784')).code, 0);
})();

function writePng(file: string, pixels: Float64Array): void {
  const p = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < 784; i++) {
    const v = Math.round(pixels[i] * 255);
    p.data.set([v, v, v, 255], 4 * i);
  }
  writeFileSync(file, PNG.sync.write(p));
}


test('eval --data DIR (a sub-folder per class) matches --mnist on the same images', async () => {
  await ready;
  const data = join(tmp, 'digits');
  for (let c = 0; c < 10; c++) mkdirSync(join(data, String(c)), { recursive: true });
  for (let i = 0; i < N; i++) writePng(join(data, String(mnist.labels[i]), `img${String(i).padStart(3, '0')}.png`), mnist.images.subarray(i * 784, (i + 1) * 784));
  writeFileSync(join(data, '3', 'notes.txt'), 'not an image: skipped, as Keras does');
  const viaData = await evalJson(planDir, '--data', data, '--batch', '7');
  const viaMnist = await evalJson(planDir, '--mnist', MNIST_TESTSET, '--limit', String(N), '--batch', '7');
  assert.equal(viaData.n, N);
  assert.equal(viaData.accuracy_plaintext, viaMnist.accuracy_plaintext, 'the same images, read as tfe run reads PNGs');
  assert.ok(Math.abs(viaData.accuracy_private - viaMnist.accuracy_private) <= 1 / N);
  assert.ok(viaData.agreement >= (N - 1) / N);
  assert.ok(viaData.accuracy_plaintext >= 0.9, `the model is ~98.7% accurate (PROVENANCE.md); got ${viaData.accuracy_plaintext}`);
  // --limit takes the images round-robin over the classes
  const some = await evalJson(planDir, '--data', data, '--limit', '10');
  assert.equal(some.n, 10);
  writeFileSync(join(data, '5', 'photo.jpg'), 'x');
  const jpg = await tfe('eval', planDir, '--data', data);
  assert.equal(jpg.code, 2);
  assert.match(jpg.err, /photo\.jpg: only PNG images are read \[E_FORMAT\]/);
});

test('eval --npy X --labels-npy Y (integer labels or one-hot rows) matches --mnist', async () => {
  await ready;
  const x = join(tmp, 'x.npy');
  const y = join(tmp, 'y.npy');
  const yOneHot = join(tmp, 'y1.npy');
  writeFileSync(x, npy('<f4', [N, 784], Float32Array.from(mnist.images)));
  writeFileSync(y, npy('<i8', [N], BigInt64Array.from(mnist.labels, (l) => BigInt(l))));
  const hot = new Float32Array(N * 10);
  mnist.labels.forEach((l, i) => { hot[i * 10 + l] = 1; });
  writeFileSync(yOneHot, npy('<f4', [N, 10], hot));
  const viaMnist = await evalJson(planDir, '--mnist', MNIST_TESTSET, '--limit', String(N), '--batch', '10');
  const viaNpy = await evalJson(planDir, '--npy', x, '--labels-npy', y, '--batch', '10');
  const viaHot = await evalJson(planDir, '--npy', x, '--labels-npy', yOneHot, '--batch', '10');
  for (const r of [viaNpy, viaHot]) {
    assert.equal(r.n, N);
    assert.equal(r.accuracy_plaintext, viaMnist.accuracy_plaintext);
    assert.ok(Math.abs(r.accuracy_private - viaMnist.accuracy_private) <= 1 / N);
  }
  const mismatch = join(tmp, 'y5.npy');
  writeFileSync(mismatch, npy('<i8', [5], new BigInt64Array(5)));
  const bad = await tfe('eval', planDir, '--npy', x, '--labels-npy', mismatch);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /y5\.npy has shape \[5\]; expected \[40\] labels/);
  const alone = await tfe('eval', planDir, '--npy', x);
  assert.equal(alone.code, 2);
  assert.match(alone.err, /--npy and --labels-npy go together/);
});

test('a model with a fixed batch of 8 evaluates all 13 examples (the last batch padded)', async () => {
  await ready;
  const fixed = await evalJson(fixedDir, '--mnist', MNIST_TESTSET, '--limit', '13');
  const free = await evalJson(planDir, '--mnist', MNIST_TESTSET, '--limit', '13', '--batch', '13');
  assert.equal(fixed.n, 13);
  assert.equal(fixed.batch, 8);
  assert.equal(fixed.accuracy_plaintext, free.accuracy_plaintext);
  assert.ok(Math.abs(fixed.accuracy_private - free.accuracy_private) <= 1 / 13);
  assert.ok(fixed.agreement >= 12 / 13);
});

test('a dense head without softmax is kind logits and prints top classes (score)', async () => {
  await ready;
  const plan = JSON.parse(readFileSync(join(planDir, 'plan.json'), 'utf8')) as { outputs: { kind: string; postprocess: string }[] };
  assert.deepEqual(plan.outputs.map((o) => [o.kind, o.postprocess]), [['logits', 'none']]);
  const r = await tfe('run', planDir, '--input', sharedModel('tfe_mnist_cnn_avgpool', 'mnist_input.npy'));
  assert.equal(r.code, 0, r.err);
  // PROVENANCE.md: mnist_input.npy is test image #0, a 7
  assert.match(r.out, /^fc2\/add: top 5 of 10 classes \(score\)\n {2}class 7 /m);
});

test('tfe run warns on stderr about bytes after a PNG\'s IEND and still predicts', async () => {
  await ready;
  const file = join(tmp, 'trailing.png');
  writePng(file, mnist.images.subarray(0, 784));
  appendFileSync(file, 'trailer');
  const r = await tfe('run', planDir, '--input', file, '--check');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, `warning: ${file}: 7 bytes after the PNG's end (IEND) ignored\n`);
  assert.match(r.out, /^check fc2\/add: largest \|private - plaintext \(tfjs\)\| = /m);
});
