/**
 * `tfe compile MODEL -o DIR` and `tfe-compile` in-process: the plan, weights and
 * manifest written and readable; the one-screen summary; --explain's per-layer table
 * with totals and approximations; --emit ir:PASS for a secure pass; E_RANGE as a
 * user error (exit 2, hint, no stack); --output label; --help listing every plan
 * option with its default.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileMain } from '../../src/cli-compile.js';
import { main } from '../../src/cli.js';
import { checkWeights, parsePlanText, parseWeightsManifest } from '../../src/plan/index.js';
import { sharedModel } from '../support/paths.js';
import { SHARED_MODEL_CASES } from './shared-models.js';

async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

const CNN = sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb');

function readDir(dir: string): void {
  const plan = parsePlanText(readFileSync(join(dir, 'plan.json'), 'utf8'));
  const manifest = parseWeightsManifest(JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8')));
  const bin = readFileSync(join(dir, 'weights.bin'));
  const data = new BigUint64Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  checkWeights(plan, { manifest, data });
}

test('tfe compile MODEL -o DIR writes plan.json, weights.bin, weights.json and prints a summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-plan-'));
  try {
    const r = await tfe('compile', CNN, '-o', dir, '--input-range', '0:1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^compiled .*mnist_model\.pb \(graphdef\) for pond, 16 fractional bits$/m);
    assert.match(r.out, /input {2}Placeholder \[-1,784\] from client, scale 16, range \[0, 1\]/);
    assert.match(r.out, /per prediction: \d+ rounds/);
    assert.match(r.out, /wrote .*plan\.json \(public\)/);
    readDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tfe-compile is tfe compile (the KWS model with its documented cut)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-plan-'));
  let out = '';
  let err = '';
  try {
    const code = await compileMain([sharedModel('arm_kws_cnn_s', 'CNN_S.pb'), '--input', 'Mfcc:0=-1x49x10', '--input-range', '-256:256', '-o', dir], {
      out: (s) => { out += s; },
      err: (s) => { err += s; },
    });
    assert.equal(code, 0, err);
    assert.match(out, /output labels_softmax \[-1,12\] to client, scale \d+, probabilities \(client applies softmax\)/);
    readDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--explain prints the per-layer table, the approximations and the totals', async () => {
  const r = await tfe('compile', sharedModel('tfe_2lfc', '2lfc.pb'), '--explain');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^layer +kernels +shape +scale +\|x\| bound +rounds +server0 +server1 +dealer +approximation$/m);
  assert.match(r.out, /^MatMul +matmul_ss +\[1,512\] +32 /m);
  assert.match(r.out, /^ {2}1\. Sigmoid: sigmoid: 6 degree-4 Chebyshev polynomials on \[-10, 10\] split at -5\.25, -2, 0, 2, 5\.25 \(segment chosen by exact comparisons\), 0 below and 1 above; max error 4\.5e-5 on \[-40, 40\] \+ fixed-point error <= 1\.7e-5, total <= 6\.2e-5$/m);
  assert.match(r.out, /^per prediction: \d+ rounds; sent: client .*, server0 .*; dealer /m);
  assert.match(r.out, /^setup, once per deployment \(the model owner shares its weights, the servers open their masks\): \d+ rounds/m);
  assert.match(r.out, /nothing written: give -o DIR/);
});

test('--emit ir:PASS prints the ring IR after a secure pass', async () => {
  const r = await tfe('compile', CNN, '--emit', 'ir:fixed-point', '--input-range', '0:1');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^%conv1\/Conv2D = conv2d\(%reshape\/Reshape, %conv1\/Variable\) \{padding="VALID", strides=\[1,1\]\} : secret\[-1,24,24,16\] @32 /m);
  const early = await tfe('compile', CNN, '--emit', 'ir:visibility');
  assert.equal(early.code, 0, early.err);
  assert.doesNotMatch(early.out, /@\d+/);
});

test('headroom errors exit 2 naming the layer and the fix, no stack', async () => {
  const r = await tfe('compile', CNN, '--input-range', '-1e6:1e6');
  assert.equal(r.code, 2);
  assert.match(r.err, /^error: layer "(conv|fc)\d\/(Conv2D|MatMul)" \((conv2d|matmul)\) can reach .* \[E_RANGE\]$/m);
  assert.match(r.err, /^hint: use fewer fractional bits \(--frac-bits \d+\) or declare a smaller input range/m);
  assert.doesNotMatch(r.err, /^\s+at /m);
  const bad = await tfe('compile', CNN, '--input-range', '3');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--input-range 3: expected LO:HI/);
});

test('--output label reveals the argmax only', async () => {
  const r = await tfe('compile', CNN, '--output', 'label');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /output fc2\/add \[-1\] to client, scale 0, label/);
});

test('compile --help lists every plan option with its default', async () => {
  const r = await tfe('compile', '--help');
  assert.equal(r.code, 0);
  const flat = r.out.replace(/\s+/g, ' ');
  for (const [opt, def] of [
    ['--explain', 'default: false'], ['--protocol <NAME>', 'default: "pond"'], ['--frac-bits <N>', 'default: 16'],
    ['--relu <MODE>', 'default: "exact"'], ['--relu-range <R>', "default: each layer's input bound, capped at 64"],
    ['--input-range <LO:HI>', 'default: -8:8'], ['--public-weights', 'default: false'], ['-o, --out <DIR>', 'plan.json'], ['--calibrate <FILE>', '.npy'],
    ['--calibrate-percentile <P>', 'default: 99.99'], ['--calibrate-percentile <P>', 'E_RANGE'],
  ]) {
    const at = flat.indexOf(opt);
    assert.ok(at >= 0, opt);
    assert.ok(flat.slice(at, at + 300).includes(def), `${opt} shows ${def}`);
  }
});

test('every shared model: tfe compile with its documented options exits 0', async () => {
  for (const m of SHARED_MODEL_CASES) {
    const r = await tfe('compile', sharedModel(...m.path), ...m.args);
    assert.equal(r.code, 0, `${m.name}: ${r.err}`);
    assert.match(r.out, /^compiled /);
  }
});
