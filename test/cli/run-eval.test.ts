/**
 * `tfe run` and `tfe eval` through the executable's main(argv, io), in-process:
 * - a model compiled with --output label evaluates at ~100% agreement and near the
 *   accuracy in its PROVENANCE.md (its labels are not argmaxed twice);
 * - plan.json names the model by base name and sha256 only; --check and eval work from
 *   another working directory (weights.json keeps the absolute path); --model overrides
 *   it and a different file is refused;
 * - --check on a label output compares labels;
 * - outputs: top classes for a softmax output (kind probabilities), names from
 *   labels.txt beside the plan or --labels, values (not classes) for a regression;
 * - --batch / --limit validation, and no progress output when stderr is not a TTY.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli.js';
import { MNIST_TESTSET, sharedModel } from '../support/paths.js';

async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

/** Runs `f` with the working directory at `dir`, restoring it afterwards. */
async function inDir<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await f();
  } finally {
    process.chdir(before);
  }
}

const DNN = sharedModel('tfe_short_dnn_h5', 'short-dnn.h5');
/** Test accuracy of the short DNN on all 10,000 MNIST test images (its PROVENANCE.md). */
const DNN_PROVENANCE = 0.9657;
const tmp = mkdtempSync(join(tmpdir(), 'tfe-run-eval-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'tfe-cwd-'));
const sample8 = sharedModel('moonflower_mnist_convnet_h5', 'sample_8.png');

/** Compiles with a model path relative to the shared models folder, as a user in that folder would. */
async function compileRelative(out: string, ...opts: string[]): Promise<void> {
  const r = await inDir(dirname(dirname(DNN)), () => tfe('compile', 'tfe_short_dnn_h5/short-dnn.h5', '-o', out, '--input-range', '0:1', ...opts));
  assert.equal(r.code, 0, r.err);
}

const labelDir = join(tmp, 'label');
const probDir = join(tmp, 'prob');
const compiled = (async () => {
  await compileRelative(labelDir, '--output', 'label');
  await compileRelative(probDir);
})();

test('the plan names the model by file and sha256, weights.json keeps its absolute path', async () => {
  await compiled;
  const plan = JSON.parse(readFileSync(join(labelDir, 'plan.json'), 'utf8')) as { version: number; model: Record<string, string> };
  assert.deepEqual(Object.keys(plan.model).sort(), ['file', 'format', 'sha256']);
  assert.equal(plan.model.file, 'short-dnn.h5');
  assert.equal(plan.model.sha256, createHash('sha256').update(readFileSync(DNN)).digest('hex'));
  assert.doesNotMatch(readFileSync(join(labelDir, 'plan.json'), 'utf8'), /shared\/models|tfe_short_dnn_h5\//, 'no path in the public plan');
  const manifest = JSON.parse(readFileSync(join(labelDir, 'weights.json'), 'utf8')) as { modelPath: string };
  assert.equal(manifest.modelPath, DNN);
});

test('eval of a --output label model from another directory: ~100% agreement, accuracy near PROVENANCE', async () => {
  await compiled;
  const r = await inDir(elsewhere, () => tfe('eval', labelDir, '--mnist', MNIST_TESTSET, '--limit', '300', '--batch', '100', '--json'));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '', 'no progress bar when stderr is not a terminal');
  const e = JSON.parse(r.out) as { n: number; agreement: number; accuracy_private: number; accuracy_plaintext: number; ms_per_example: number };
  assert.equal(e.n, 300);
  // A private label differs from the plaintext argmax only on a near-tie of two logits
  // (fixed-point error ~1e-4): none expected in 300 images, allow one.
  assert.ok(e.agreement >= 299 / 300, `agreement ${e.agreement}`);
  // Binomial standard deviation at p = 0.9657, n = 300 is 1.05%: 3.5 sigma.
  assert.ok(Math.abs(e.accuracy_private - DNN_PROVENANCE) < 0.037, `accuracy ${e.accuracy_private} vs ${DNN_PROVENANCE}`);
  assert.ok(Math.abs(e.accuracy_private - e.accuracy_plaintext) <= 1 / 300);
  assert.ok(e.ms_per_example > 0);
});

test('run --check with --output label compares the private label with the plaintext argmax, from any directory', async () => {
  await compiled;
  const r = await inDir(elsewhere, () => tfe('run', labelDir, '--input', sample8, '--check'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^dense_1\/Softmax: label 8$/m);
  assert.match(r.out, /^check dense_1\/Softmax: private label 8 = plaintext \(tfjs\) argmax 8$/m);
  const j = await inDir(elsewhere, () => tfe('run', labelDir, '--input', sample8, '--check', '--json'));
  assert.equal((JSON.parse(j.out) as { labels_agree: boolean }).labels_agree, true);
});

test('--model overrides the recorded path (relative to the cwd); a different model is refused', async () => {
  await compiled;
  copyFileSync(DNN, join(elsewhere, 'copy.h5'));
  const ok = await inDir(elsewhere, () => tfe('run', labelDir, '--input', sample8, '--check', '--model', 'copy.h5'));
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /private label 8 = plaintext/);
  const other = sharedModel('moonflower_mnist_convnet_h5', 'mnist_model.h5');
  const bad = await tfe('run', labelDir, '--input', sample8, '--check', '--model', other);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^error: --model .*mnist_model\.h5 is not the model this plan was compiled from: its sha256 is [0-9a-f]{64}, the plan's \(short-dnn\.h5\) is [0-9a-f]{64} \[E_ARG\]$/m);
  assert.match(bad.err, /^hint: give the model file that was compiled into this plan/m);
});

test('a softmax output (kind probabilities) prints top classes, named from labels.txt or --labels', async () => {
  await compiled;
  const plan = JSON.parse(readFileSync(join(probDir, 'plan.json'), 'utf8')) as { outputs: { kind: string; postprocess: string }[] };
  assert.equal(plan.outputs[0].kind, 'probabilities');
  assert.equal(plan.outputs[0].postprocess, 'softmax');
  const plain = await tfe('run', probDir, '--input', sample8, '--json');
  const out = (JSON.parse(plain.out) as { outputs: Record<string, { kind: string; values: number[]; top: { class: number; value: number }[][] }> }).outputs['dense_1/Softmax'];
  assert.equal(out.kind, 'probabilities');
  assert.ok(Math.abs(out.values.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'probabilities sum to 1');
  assert.equal(out.top[0][0].class, 8);
  assert.equal(out.top[0][0].value, Math.max(...out.values));
  const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  writeFileSync(join(probDir, 'labels.txt'), `${names.join('\r\n')}\n\n`);
  const r = await tfe('run', probDir, '--input', sample8);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^dense_1\/Softmax: top 5 of 10 classes \(probability\)\n {2}class 8 {2}[01]\.\d{6} {2}eight$/m);
  const wrong = join(tmp, 'three.txt');
  writeFileSync(wrong, 'a\nb\nc\n');
  const bad = await tfe('run', probDir, '--input', sample8, '--labels', wrong);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /three\.txt has 3 class names but output 'dense_1\/Softmax' has 10 classes \[E_ARG\]/);
});

test('a regression output prints values, not classes', async () => {
  const dir = join(tmp, 'reg');
  assert.equal((await tfe('compile', sharedModel('tf2onnx_regression_graphdef', 'frozen.pb'), '-o', dir, '--input', 'X=-1')).code, 0);
  const input = join(tmp, 'x.json');
  writeFileSync(input, '[5.0]');
  const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { outputs: { kind: string }[] };
  assert.equal(plan.outputs[0].kind, 'values');
  const r = await tfe('run', dir, '--input', input, '--check');
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /class/);
  // PROVENANCE.md: X = 5 -> pred ~= 2.1193342
  const m = /^pred \[1\] values: (\S+)$/m.exec(r.out);
  assert.ok(m, r.out);
  assert.ok(Math.abs(Number(m[1]) - 2.1193342) < 1e-3, m[1]);
});

test('--batch and --limit are validated (E_ARG naming the option)', async () => {
  await compiled;
  for (const [opt, v] of [['--batch', '0'], ['--batch', '-3'], ['--batch', '1.5'], ['--batch', 'abc'], ['--limit', 'NaN'], ['--limit', '0']]) {
    const r = await tfe('eval', labelDir, '--mnist', MNIST_TESTSET, opt, v);
    assert.equal(r.code, 2, `${opt} ${v}`);
    assert.ok(r.err.includes(`error: ${opt} ${v}: expected a positive integer [E_ARG]`), r.err);
  }
  const none = await tfe('eval', labelDir);
  assert.equal(none.code, 2);
  assert.match(none.err, /--mnist DIR, --data DIR or --npy X\.npy --labels-npy Y\.npy/);
});
