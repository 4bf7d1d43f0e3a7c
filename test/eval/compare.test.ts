/**
 * Label comparison in `tfe eval`: a model whose own output is an ArgMax makes the
 * plaintext reference return one label per example, which must be compared as is (the
 * bug this guards against argmaxed those labels again: with batch 1 every reference
 * label became 0, ~10% "agreement"). The reference here is the real tfjs model with
 * an ArgMax applied after it, i.e. exactly what a model ending in ArgMax returns.
 * Also: the progress bar draws only on a terminal; the model hash of a directory.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { modelSha256 } from '../../compiler/plan/model-hash.js';
import { argmaxRows, referenceLabels } from '../../runtime/eval/compare.js';
import { mnistSet } from '../../runtime/eval/datasets.js';
import { evaluate } from '../../runtime/eval/evaluate.js';
import { progressBar } from '../../runtime/eval/progress.js';
import { modelLocation, type ReferenceRunner } from '../../runtime/eval/reference.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import { tfjsReference } from '../../src/reference.js';
import { testBackend } from '../support/backend.js';
import { MNIST_TESTSET, sharedModel } from '../support/paths.js';

test('referenceLabels: labels from a model ending in ArgMax are taken as they are; scores are argmaxed once', () => {
  assert.deepEqual(referenceLabels({ shape: [1], data: Float64Array.of(7) }, 1, true), [7]);
  assert.deepEqual(referenceLabels({ shape: [3], data: Float64Array.of(7, 2, 9) }, 3, true), [7, 2, 9]);
  assert.deepEqual(referenceLabels({ shape: [2, 3], data: Float64Array.of(0.1, 0.7, 0.2, 0.5, 0.2, 0.3) }, 2, true), [1, 0]);
});

test('eval of a label output against a reference that itself returns labels (an ArgMax model): full agreement', async () => {
  const r = await compile(sharedModel('tfe_short_dnn_h5', 'short-dnn.h5'), { outputLabel: true, inputRange: [0, 1] });
  const d = await PlanDeployment.start(r.plan, r.weights, { ring: testBackend() });
  const tfjs = tfjsReference();
  const argmaxModel: ReferenceRunner = async (plan, model, inputs) => {
    const [scores] = await tfjs(plan, model, inputs);
    const rows = scores.shape[0];
    return [{ shape: [rows], data: Float64Array.from(argmaxRows(scores.data, scores.data.length / rows)) }];
  };
  const set = mnistSet(MNIST_TESTSET, r.plan.inputs, 60);
  const model = modelLocation(r.plan, r.weights.manifest, undefined);
  for (const batch of [1, 16]) {
    const e = await evaluate(d, set, argmaxModel, model, { batch });
    assert.ok(e.agreement >= 59 / 60, `batch ${batch}: agreement ${e.agreement}`);
    assert.equal(e.accuracy_plaintext, (await evaluate(d, set, tfjs, model, { batch })).accuracy_plaintext);
    assert.ok(e.accuracy_plaintext > 0.9, `accuracy ${e.accuracy_plaintext} (PROVENANCE.md: 0.9657)`);
  }
});

class Sink extends Writable {
  text = '';
  isTTY: boolean;
  columns = 100;
  constructor(tty: boolean) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  cursorTo(): boolean { return true; }
  clearLine(): boolean { return true; }
  moveCursor(): boolean { return true; }
}

test('the progress bar draws only when the stream is a terminal', () => {
  assert.equal(progressBar(10, new Sink(false) as unknown as NodeJS.WriteStream), undefined);
  const tty = new Sink(true);
  const bar = progressBar(10, tty as unknown as NodeJS.WriteStream);
  assert.ok(bar);
  bar.update(5);
  bar.stop();
  assert.match(tty.text, /eval \[.*\] 5\/10 examples/);
});

test('a directory model hashes to the SHA-256 of its sorted "sha256  path" listing, wherever it is', () => {
  const root = mkdtempSync(join(tmpdir(), 'tfe-hash-'));
  const a = join(root, 'saved_model');
  mkdirSync(join(a, 'variables'), { recursive: true });
  writeFileSync(join(a, 'saved_model.pb'), 'graph');
  writeFileSync(join(a, 'variables', 'variables.index'), 'index');
  const h = (s: string): string => createHash('sha256').update(s).digest('hex');
  // sha256sum of the files, sorted by relative path, as one text
  const listing = `${h('graph')}  saved_model.pb\n${h('index')}  variables/variables.index\n`;
  assert.equal(modelSha256(a), h(listing));
  const b = join(root, 'elsewhere', 'copy');
  cpSync(a, b, { recursive: true });
  assert.equal(modelSha256(b), modelSha256(a));
  writeFileSync(join(b, 'variables', 'variables.index'), 'changed');
  assert.notEqual(modelSha256(b), modelSha256(a));
  assert.equal(modelSha256(join(a, 'saved_model.pb')), h('graph'));
});
