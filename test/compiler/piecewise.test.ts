/**
 * The piecewise sigmoid and tanh (compiler/secure/piecewise.ts): the fitted error on a
 * dense grid within and beyond the domain is the stated one; the stated totals meet
 * the targets (sigmoid < 1e-4, tanh < 2e-4 at f = 16); a compiled plan, run in the
 * plaintext ring simulator on a grid of exactly encodable inputs over [-40, 40] (the
 * breakpoints and their neighbours one ulp away included), and under the real Pond
 * protocol on inputs up to +-1000 (where the unselected segments' powers wrap around
 * the ring and must cancel exactly), matches Math.tanh and 1 / (1 + e^-x) within the
 * stated total; 13 rounds per activation.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { describePiecewise, evalPiecewise, evalTable, fitPiecewise, piecewiseErrorUlps, piecewiseTable, restrictTable, SIGMOID_PIECEWISE, TANH_PIECEWISE, type PiecewiseSpec } from '../../compiler/secure/piecewise.js';
import type { IrGraph } from '../../src/ir/node.js';
import { runLocal } from '../../runtime/party/executor.js';
import { testBackend } from '../support/backend.js';
import { graph, node } from '../ir/fixtures.js';
import { simulatePlan } from './ring-sim.js';

const F = 16;
const ULP = 2 ** -F;

function activation(op: 'Sigmoid' | 'Tanh'): IrGraph {
  return graph([node('x', 'Placeholder', [], {}, [-1, 1]), node('y', op, ['x'])], ['x'], ['y'], `fixture:${op}`);
}

/** Every 1/64 over [-40, 40], plus each breakpoint and its neighbours one ulp (2^-16) away. */
function inputGrid(spec: PiecewiseSpec): number[] {
  const xs: number[] = [];
  for (let i = -40 * 64; i <= 40 * 64; i++) xs.push(i / 64);
  for (const t of spec.breaks) xs.push(t - ULP, t, t + ULP);
  return xs;
}

const CASES = [
  { op: 'Sigmoid' as const, spec: SIGMOID_PIECEWISE, target: 1e-4 },
  { op: 'Tanh' as const, spec: TANH_PIECEWISE, target: 2e-4 },
];

for (const { op, spec, target } of CASES) {
  describe(`piecewise ${spec.name}`, () => {
    const fit = fitPiecewise(spec);
    const total = fit.fitError + piecewiseErrorUlps(fit, F) * ULP;

    test(`fit error on a grid of step 1/8192 over [-40, 40] equals the stated one; total ${total.toExponential(2)} < ${target}`, () => {
      let m = 0;
      for (let i = -40 * 8192; i <= 40 * 8192; i++) m = Math.max(m, Math.abs(evalPiecewise(fit, i / 8192) - spec.f(i / 8192)));
      assert.ok(m <= fit.fitError * (1 + 1e-9), `grid error ${m} > stated ${fit.fitError}`);
      assert.ok(total < target, `stated total ${total}`);
      assert.match(describePiecewise(fit, F), new RegExp(`total <= ${total.toExponential(1).replace('.', '\\.')}$`));
    });

    for (const [f, rounds] of [[F, 13], [8, 13], [24, 14]] as const) {
      test(`f = ${f}: the ring simulation of a compiled plan matches the function within the stated total, ${rounds} rounds`, async () => {
        const r = await compile(activation(op), { inputRange: [-40, 40], fracBits: f });
        const bound = fit.fitError + piecewiseErrorUlps(fit, f) * 2 ** -f;
        assert.ok(r.plan.steps.some((s) => s.kernel === 'drelu_s' && s.approximation === describePiecewise(fit, f)));
        const xs = inputGrid(spec).map((x) => Math.round(x * 2 ** f) / 2 ** f);
        const got = (await simulatePlan(r.plan, r.weights, { [r.plan.inputs[0].name]: { shape: [xs.length, 1], data: xs } }))[r.plan.outputs[0].name].data;
        let worst = 0;
        xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(got[i] - spec.f(x)))));
        assert.ok(worst <= bound, `simulated error ${worst} > stated ${bound}`);
        // share (1) + the activation + reveal (1)
        assert.equal(r.plan.cost.perPrediction.rounds, 1 + rounds + 1);
      });
    }

    test('Pond: inputs up to +-1000 within the stated total, measured rounds as declared', async () => {
      const r = await compile(activation(op), { inputRange: [-1000, 1000] });
      const xs = [-1000, -999.5, -40, -10.5, ...spec.breaks.flatMap((t) => [t - ULP, t, t + ULP]), -0.3, 0.7, 1.5, 3.25, 7, 12.5, 40, 1000];
      const p = await runLocal(r.plan, r.weights, { [r.plan.inputs[0].name]: { shape: [xs.length, 1], data: Float64Array.from(xs) } }, { ring: testBackend() });
      const got = p.outputs[r.plan.outputs[0].name].data;
      xs.forEach((x, i) => assert.ok(Math.abs(got[i] - spec.f(x)) <= total, `${spec.name}(${x}): ${got[i]} vs ${spec.f(x)}`));
      assert.equal(p.stats.rounds, p.declared.rounds);
    });
  });
}

test('too few fractional bits for the segment points: E_UNSUPPORTED naming the layer and the fix', async () => {
  await assert.rejects(compile(activation('Sigmoid'), { inputRange: [-4, 4], fracBits: 2 }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_UNSUPPORTED');
    assert.match(e.message, /layer "y" \(sigmoid\): its segment point -7\.625 is not exact with 2 fractional bits/);
    return true;
  });
});

describe('pieces restricted to the input interval', () => {
  const fit = fitPiecewise(SIGMOID_PIECEWISE);
  const full = piecewiseTable(fit);

  test('restrictTable keeps the reachable pieces (at least one polynomial) and their values on the interval', () => {
    const cases: [number, number, number[], boolean, boolean][] = [
      // lo, hi, breaks kept, below kept, above kept
      [-1, 1, [0], false, false],
      [0.25, 1.75, [], false, false],
      [20, 30, [10], false, true],
      [-30, -20, [-10], true, false],
      [-0.5, 30, [0, 2, 5.25, 10], false, true],
      [-40, 40, [...SIGMOID_PIECEWISE.breaks], true, true],
      [2, 2, [], false, false],
      [1.5, 2, [2], false, false],
    ];
    for (const [lo, hi, breaks, below, above] of cases) {
      const t = restrictTable(full, lo, hi);
      assert.deepEqual(t.breaks, breaks, `[${lo}, ${hi}]`);
      assert.equal(t.below !== undefined, below, `[${lo}, ${hi}] below`);
      assert.equal(t.above !== undefined, above, `[${lo}, ${hi}] above`);
      for (let i = 0; i <= 1000; i++) {
        const x = lo + ((hi - lo) * i) / 1000;
        assert.equal(evalTable(t, x), evalTable(full, x), `[${lo}, ${hi}] at ${x}`);
      }
    }
  });

  test('a plan for inputs in [0.25, 1.75] evaluates one segment: no comparison, 4 rounds, within the stated total', async () => {
    const r = await compile(activation('Sigmoid'), { inputRange: [0.25, 1.75] });
    assert.ok(!r.plan.steps.some((s) => s.kernel === 'drelu_s'));
    assert.equal(r.plan.cost.perPrediction.rounds, 1 + 4 + 1);
    assert.match(r.plan.steps.find((s) => s.approximation)?.approximation ?? '', /reaches 1 of the 8 pieces: 0 comparisons$/);
    const xs = Array.from({ length: 1537 }, (_, i) => 0.25 + i / 1024);
    const got = (await simulatePlan(r.plan, r.weights, { [r.plan.inputs[0].name]: { shape: [xs.length, 1], data: xs } }))[r.plan.outputs[0].name].data;
    const total = fit.fitError + piecewiseErrorUlps(fit, F) * ULP;
    xs.forEach((x, i) => assert.ok(Math.abs(got[i] - SIGMOID_PIECEWISE.f(x)) <= total, `sigmoid(${x}): ${got[i]}`));
  });

  test('Pond: inputs in [-3, 12] (6 of 8 pieces, 5 comparisons) within the stated total', async () => {
    const r = await compile(activation('Sigmoid'), { inputRange: [-3, 12] });
    assert.match(r.plan.steps.find((s) => s.approximation)?.approximation ?? '', /reaches 6 of the 8 pieces: 5 comparisons$/);
    const xs = [-3, -2 - ULP, -2, -1, 0, 1.5, 2, 5.25 - ULP, 5.25, 9.75, 10, 12];
    const p = await runLocal(r.plan, r.weights, { [r.plan.inputs[0].name]: { shape: [xs.length, 1], data: Float64Array.from(xs) } }, { ring: testBackend() });
    const total = fit.fitError + piecewiseErrorUlps(fit, F) * ULP;
    xs.forEach((x, i) => assert.ok(Math.abs(p.outputs[r.plan.outputs[0].name].data[i] - SIGMOID_PIECEWISE.f(x)) <= total, `sigmoid(${x})`));
    assert.equal(p.stats.rounds, p.declared.rounds);
  });
});
