/**
 * Compile options that change the arithmetic: --relu poly (a polynomial with its
 * stated domain and error, checked in the ring simulator against that error), and
 * --calibrate (the observed input range, a high percentile of it, replaces the declared one).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { calibrationRange } from '../../compiler/calibrate.js';
import { compile } from '../../compiler/compile.js';
import { chebyshevFit } from '../../compiler/secure/poly.js';
import { evaluateGraph } from '../../src/ir/eval/evaluate.js';
import { sharedModel } from '../support/paths.js';
import { cnnGraph } from './fixtures.js';
import { simulatePlan } from './ring-sim.js';

test('--relu poly: poly_s instead of relu_s, domain and error stated, output within the stated error', async () => {
  const r = await compile(cnnGraph(), { relu: 'poly', reluRange: 4, inputRange: [-1, 1] });
  const polys = r.plan.steps.filter((s) => s.kernel === 'poly_s');
  assert.equal(polys.length, 1);
  assert.ok(!r.plan.steps.some((s) => s.kernel === 'relu_s'));
  assert.match(polys[0].approximation ?? '', /relu: degree-4 Chebyshev polynomial on \[-4, 4\], max error/);
  // the relu's error on [-4, 4], through max-pooling (1-Lipschitz) and the dense layer (L1 norm of a column <= 8 * 0.7)
  const reluErr = chebyshevFit((t) => Math.max(4 * t, 0), 4).maxError;
  const tol = reluErr * 8 * 0.7 + 1e-3;
  const shape = [4, 6, 6, 1];
  const x = Float64Array.from({ length: 144 }, (_, i) => Math.sin(i * 0.37));
  const got = (await simulatePlan(r.plan, r.weights, { x: { shape, data: x } }))[r.plan.outputs[0].name].data;
  const [want] = evaluateGraph(r.graph, new Map([['x', { shape, data: x }]]), ['logits']);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want.data[i]) <= tol, `${got[i]} vs ${want.data[i]} (tolerance ${tol})`);
});

test('--calibrate: the observed range of a .npy or .json file replaces --input-range', async () => {
  const npy = sharedModel('tfe_2lfc', '2lfc_input_example.npy');
  // Percentile 100: the exact min and max.
  const r = await compile(sharedModel('tfe_2lfc', '2lfc.pb'), { calibrate: npy, calibratePercentile: 100 });
  const [lo, hi] = r.plan.inputs[0].range;
  assert.ok(Math.abs(lo + 3.2391385033735633) < 1e-12 && Math.abs(hi - 1.7485808056994474) < 1e-12, `range ${lo}:${hi}`);
  assert.equal(r.plan.options.calibrate, npy);
  const dir = mkdtempSync(join(tmpdir(), 'tfe-cal-'));
  try {
    const f = join(dir, 'cal.json');
    writeFileSync(f, JSON.stringify({ Placeholder: [[0.5, -0.25], [2, 1]] }));
    const j = await compile(sharedModel('tfe_2lfc', '2lfc.pb'), { calibrate: f, calibratePercentile: 100 });
    assert.deepEqual(j.plan.inputs[0].range, [-0.25, 2]);
    // Default 99.99: sorted [-0.25, 0.5, 1, 2], positions 0.0003 and 2.9997 interpolated by hand.
    const d = await compile(sharedModel('tfe_2lfc', '2lfc.pb'), { calibrate: f });
    const [dlo, dhi] = d.plan.inputs[0].range;
    assert.ok(Math.abs(dlo - (-0.25 + 0.75 * 0.0003)) < 1e-12 && Math.abs(dhi - (1 + 0.9997)) < 1e-12, `range ${dlo}:${dhi}`);
    assert.equal(d.plan.options.calibratePercentile, 99.99);
    writeFileSync(f, 'not json');
    await assert.rejects(compile(sharedModel('tfe_2lfc', '2lfc.pb'), { calibrate: f }), /not \.npy and not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--calibrate-percentile: one outlier in 100,000 values does not widen the range; 100 keeps it; bad P is E_ARG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-cal-'));
  try {
    const f = join(dir, 'cal.json');
    // 99,999 values i / 99,998 spread over [0, 1], and one outlier 1000.
    const vals = Array.from({ length: 99_999 }, (_, i) => i / 99_998);
    writeFileSync(f, JSON.stringify([1000, ...vals]));
    // Sorted: v[k] = k / 99998 for k < 99999, then 1000. q(99.99) sits at position 0.9999 * 99999 = 99989.0001,
    // between v[99989] and v[99990]; q(0.01) at 9.9999, between v[9] and v[10].
    const [lo, hi] = calibrationRange(f);
    const at = (pos: number): number => pos / 99_998;
    assert.ok(Math.abs(hi - at(0.9999 * 99_999)) < 1e-12, `hi ${hi}`);
    assert.ok(Math.abs(lo - at(0.0001 * 99_999)) < 1e-12, `lo ${lo}`);
    assert.deepEqual(calibrationRange(f, 100), [0, 1000]);
    for (const bad of [49, 100.5, Number.NaN]) assert.throws(() => calibrationRange(f, bad), /--calibrate-percentile .*expected a number in \[50, 100\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
