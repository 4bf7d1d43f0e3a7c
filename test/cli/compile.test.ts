/**
 * `tfe compile` in-process through the executable's main(argv, io): --emit ir on real
 * models, the cut that makes the KWS model compile, one error for all unsupported ops
 * (exit 2, every node listed, no stack trace), corrupt and missing files, argument
 * errors, and --help listing every option with its default.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli.js';
import { sharedModel } from '../support/paths.js';

async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

function noStack(text: string): void {
  assert.doesNotMatch(text, /^\s+at /m, 'no stack trace');
}

const CNN = sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb');
const KWS = sharedModel('arm_kws_cnn_s', 'CNN_S.pb');

test('compile --emit ir prints the final IR and exits 0', async () => {
  const r = await tfe('compile', CNN, '--emit', 'ir');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.match(r.out, /^# graphdef: .*mnist_model\.pb\ninputs: %Placeholder\noutputs: %fc2\/add\n/);
  assert.match(r.out, /^%conv1\/Conv2D = Conv2D\(%reshape\/Reshape, %conv1\/Variable\) \{dilations=\[1,1,1,1\], padding="VALID", strides=\[1,1,1,1\]\} : float32\[-1,24,24,16\]$/m);
  assert.match(r.out, /^%fc2\/add = BiasAdd\(.*\) : float32\[-1,10\]$/m);
});

test('--emit ir:PASS stops after that pass; --input, --output and --const reach the passes', async () => {
  const early = await tfe('compile', CNN, '--emit', 'ir:frontend');
  assert.equal(early.code, 0, early.err);
  assert.match(early.out, / : float32\[\?\]$/m, 'unshaped before shape inference');
  const r = await tfe('compile', sharedModel('tf2onnx_regression_graphdef', 'frozen.pb'), '--emit', 'ir', '--input', 'X:0=4');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^%X = Placeholder\(\) : float32\[4\]$/m);
  const o = await tfe('compile', CNN, '--emit', 'ir', '--output', 'conv1/Relu', '--input', 'Placeholder=2x784');
  assert.equal(o.code, 0, o.err);
  assert.match(o.out, /outputs: %conv1\/Relu\n/);
  assert.match(o.out, /: float32\[2,24,24,16\]$/m);
  assert.doesNotMatch(o.out, /fc1/);
  const c = await tfe('compile', CNN, '--emit', 'ir', '--const', 'Placeholder=1');
  assert.equal(c.code, 2);
  assert.match(c.err, /^error: --const Placeholder: input "Placeholder" has a batch-sized shape/);
});

test('unsupported ops: exit 2, every node listed with its op, a hint, no stack; the cut fixes it', async () => {
  const r = await tfe('compile', KWS, '--emit', 'ir');
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /^error: .*CNN_S\.pb: 3 unsupported ops: node 'decoded_sample_data' \(op DecodeWav\), node 'AudioSpectrogram' \(op AudioSpectrogram\), node 'Mfcc' \(op Mfcc\) \[E_UNSUPPORTED\]\n/);
  assert.match(r.err, /^hint: .*--input Mfcc=1x49x10 /m);
  noStack(r.err);
  const ok = await tfe('compile', KWS, '--emit', 'ir', '--input', 'Mfcc:0=-1x49x10');
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^inputs: %Mfcc\n/m);
  assert.doesNotMatch(ok.out, /DecodeWav|= FusedBatchNorm\(/);
});

test('corrupt, empty, misnamed and missing model files: exit 2 with a one-line error naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-cli-'));
  const cases: [string, Uint8Array, RegExp][] = [
    ['garbage.pb', Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff), /garbage\.pb/],
    ['truncated.h5', Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3), /truncated\.h5/],
    ['empty.pb', new Uint8Array(0), /empty\.pb: the file is empty/],
    ['notes.txt', new TextEncoder().encode('hello'), /notes\.txt: unrecognised model format/],
    ['model.json', new TextEncoder().encode('{"modelTopology": {"foo": 1}}'), /model\.json: a JSON file that is not a TF\.js model\.json/],
  ];
  for (const [name, bytes, re] of cases) {
    writeFileSync(join(dir, name), bytes);
    const r = await tfe('compile', join(dir, name), '--emit', 'ir');
    assert.equal(r.code, 2, `${name}: ${r.err}`);
    assert.match(r.err, /^error: /, name);
    assert.match(r.err, re, name);
    assert.match(r.err, /\[E_FORMAT\]/, name);
    noStack(r.err);
  }
  const missing = await tfe('compile', join(dir, 'absent.pb'), '--emit', 'ir');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^error: .*absent\.pb: cannot read the model \(ENOENT\) \[E_IO\]/);
});

test('argument errors exit 2; TFE_DEBUG=1 adds the stack', async () => {
  for (const argv of [['--input', 'x=ax3'], ['--input', 'noequals'], ['--const', 'k=abc'], ['--emit', 'ir:nope'], ['--emit', 'onnx'], ['--signature', 'serving_default'], ['--input', 'nosuch:0=1']]) {
    const r = await tfe('compile', CNN, ...(argv[0] === '--emit' ? argv : ['--emit', 'ir', ...argv]));
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, /^error: .*\[E_ARG\]/, argv.join(' '));
    noStack(r.err);
  }
  const unknown = await tfe('compile', CNN, '--frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown option '--frobnicate'/);
  process.env.TFE_DEBUG = '1';
  try {
    const r = await tfe('compile', KWS, '--emit', 'ir');
    assert.equal(r.code, 2);
    assert.match(r.err, /^\s+at /m);
  } finally {
    delete process.env.TFE_DEBUG;
  }
});

test('--help lists the commands, compile --help every option with its default', async () => {
  const top = await tfe('--help');
  assert.equal(top.code, 0);
  assert.match(top.out, /compile \[options\] <MODEL>/);
  const r = await tfe('compile', '--help');
  assert.equal(r.code, 0);
  for (const [opt, def] of [['--emit <what>', 'default: "plan"'], ['--input <NAME=SHAPE>', "default: the model's inputs"], ['--const <NAME=VALUE>', 'default: none'], ['--output <NAME>', "default: the model's outputs"], ['--signature <NAME>', 'default: serving_default']]) {
    const line = r.out.slice(r.out.indexOf(opt));
    assert.ok(r.out.includes(opt), opt);
    assert.ok(line.slice(0, 600).replace(/\s+/g, ' ').includes(def), `${opt} shows ${def}`);
  }
});

test('--signature picks a SavedModel signature; an unknown one is E_ARG listing the available ones', async () => {
  const sm = sharedModel('tfserving_half_plus_two_cpu', 'saved_model');
  const r = await tfe('compile', sm, '--emit', 'ir', '--signature', 'regress_x2_to_y3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^inputs: %x2\noutputs: %y3\n/m);
  const bad = await tfe('compile', sm, '--emit', 'ir', '--signature', 'nope');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^error: .*no signature 'nope' \(available: .*serving_default\)/);
});

test('compile --emit ir succeeds on every shared model (with the cut or input shape it needs)', async () => {
  const flags: Readonly<Record<string, string[]>> = {
    arm_kws_cnn_s: ['--input', 'Mfcc:0=-1x49x10'],
    tf2onnx_regression_graphdef: ['--input', 'X=1'],
    tf2onnx_regression_savedmodel: ['--input', 'X=1'],
  };
  const models: [string, string][] = [
    ['arm_kws_cnn_s', 'CNN_S.pb'], ['moonflower_mnist_convnet_h5', 'mnist_model.h5'], ['moonflower_mnist_convnet_keras3', 'mnist_model.keras'],
    ['tf2onnx_fc_layers', 'frozen.pb'], ['tf2onnx_regression_graphdef', 'frozen.pb'], ['tf2onnx_regression_savedmodel', 'saved_model'],
    ['tfe_2lfc', '2lfc.pb'], ['tfe_mnist_cnn_avgpool', 'mnist_model.pb'], ['tfe_short_dnn_h5', 'short-dnn.h5'],
    ['tfjs_e2e_dense_graph_model', '.'], ['tfjs_e2e_matmul_graph_model', 'model.json'], ['tfjs_examples_abalone_layers', 'model.json'],
    ['tfjs_node_times_three_float', 'saved_model'], ['tfserving_half_plus_two_cpu', 'saved_model'], ['tfserving_half_plus_two_tf2_cpu', 'saved_model'],
  ];
  for (const [dir, file] of models) {
    const r = await tfe('compile', sharedModel(dir, file), '--emit', 'ir', ...(flags[dir] ?? []));
    assert.equal(r.code, 0, `${dir}: ${r.err}`);
    const out = /^outputs: %(.+)$/m.exec(r.out)?.[1];
    assert.ok(out && new RegExp(`^%${out.replace(/[/.]/g, '\\$&')} = `, 'm').test(r.out), `${dir}: output node printed`);
    assert.doesNotMatch(r.out, / : \w+\[\?\]$/m, `${dir}: every node shaped`);
  }
});
