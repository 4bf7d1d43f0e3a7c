/**
 * ARM's keyword-spotting CNN (arm_kws_cnn_s): its audio front-end (DecodeWav,
 * AudioSpectrogram, Mfcc) cannot run under MPC, so it compiles from the NN's first
 * tensor, the Mfcc output [batch, 49, 10] (read from the graph: Mfcc -> Reshape
 * [-1, 490] -> Reshape [-1, 49, 10, 1] -> Conv2D). Without the cut, all three
 * unsupported nodes are reported in one error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TfeError } from '../../src/errors.js';
import { sharedModel } from '../support/paths.js';
import { assertShapesMatchRun, compileIr, maxAbs, maxAbsDiff, pseudoRandom, runIrSingle, tfGraphReference } from './helpers.js';

const KWS = sharedModel('arm_kws_cnn_s', 'CNN_S.pb');

test('arm_kws_cnn_s cut at Mfcc:0 compiles, folds its batch norms, and agrees with tfjs', async () => {
  const g = await compileIr(KWS, { inputs: [{ name: 'Mfcc:0', shape: [-1, 49, 10] }] });
  assert.deepEqual(g.inputs, ['Mfcc']);
  const ops = new Set<string>(g.nodes.map((n) => n.op));
  for (const gone of ['FusedBatchNorm', 'Rsqrt', 'Identity', 'Sub']) assert.ok(!ops.has(gone), `${gone} folded away`);
  assert.ok(!g.nodes.some((n) => n.attrs.unsupported_op !== undefined), 'no unsupported markers left');
  assertShapesMatchRun(g, { shape: [2, 49, 10], data: pseudoRandom(980, 3, -10, 10) });
  const ref = await tfGraphReference(KWS, [{ name: 'Mfcc', shape: [-1, 49, 10] }]);
  // The logits too: softmax saturates on random inputs, so probabilities alone could hide an error.
  const logits = await compileIr(KWS, { inputs: [{ name: 'Mfcc:0', shape: [-1, 49, 10] }], outputs: ['add_4'] });
  const refLogits = await tfGraphReference(KWS, [{ name: 'Mfcc', shape: [-1, 49, 10] }], ['add_4']);
  for (const [seed, scale] of [[1, 30], [2, 3]]) {
    // MFCC features of speech lie within about +-30; the outputs are softmax probabilities.
    const x = { shape: [4, 49, 10], data: pseudoRandom(4 * 490, seed, -scale, scale) };
    const got = runIrSingle(g, x);
    const sums = [0, 1, 2, 3].map((r) => got.data.subarray(r * 12, r * 12 + 12).reduce((a, v) => a + v, 0));
    for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-9, 'softmax rows sum to 1');
    assert.ok(maxAbsDiff(got, await ref(x)) < 1e-4);
    const want = await refLogits(x);
    // Logits reach ~50 at the larger scale: the 1e-4 bound is for magnitude 10, relative beyond.
    assert.ok(maxAbsDiff(runIrSingle(logits, x), want) < 1e-4 * Math.max(1, maxAbs(want) / 10), `scale ${scale}`);
  }
});

test('arm_kws_cnn_s without a cut: one E_UNSUPPORTED listing every audio op and where to cut', async () => {
  await assert.rejects(compileIr(KWS), (e: unknown) => {
    assert.ok(e instanceof TfeError);
    assert.equal(e.code, 'E_UNSUPPORTED');
    for (const op of ['DecodeWav', 'AudioSpectrogram', 'Mfcc']) assert.match(e.message, new RegExp(`\\(op ${op}\\)`));
    // The real shape of Mfcc (TF's audio shape rules: 16000 samples, window 640, stride 320 -> 49 frames; 10 coefficients).
    assert.match(e.hint ?? '', /--input Mfcc=1x49x10 /);
    return true;
  });
});
