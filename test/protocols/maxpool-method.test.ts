/**
 * How maxpool_s reduces a window (src/protocols/pond.ts maxpoolMethod): `auto` takes
 * all pairs for a small window in a small session and a tournament otherwise, the
 * same way in the cost model and at run time; a folded ReLU costs no extra comparison
 * layer; zoo net C at batch 1 needs 38 rounds by default and 64 with tournaments.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { TfeError } from '../../src/errors.js';
import { declaredCost } from '../../src/plan/index.js';
import { COMPARE_ROUNDS, maxpoolMethod, PAIRWISE_AUTO_MAX_ELEMENTS, POND_SPECS } from '../../src/protocols/pond.js';

const spec = POND_SPECS.get('maxpool_s');

test('auto: pairs up to the element threshold and 5 candidates, then the tournament', () => {
  assert.equal(maxpoolMethod({ method: 'auto' }, 5, PAIRWISE_AUTO_MAX_ELEMENTS), 'pairs');
  assert.equal(maxpoolMethod({ method: 'auto' }, 5, PAIRWISE_AUTO_MAX_ELEMENTS + 1), 'tournament');
  assert.equal(maxpoolMethod({ method: 'auto' }, 6, 1), 'tournament');
  assert.equal(maxpoolMethod({}, 4, 1), 'tournament');
  assert.equal(maxpoolMethod({ method: 'pairs' }, 10, 1e6), 'pairs');
  assert.throws(() => maxpoolMethod({ method: 'pairs' }, 11, 1), (e) => e instanceof TfeError && e.code === 'E_PLAN' && /at most 10 candidates/.test(e.message));
  assert.throws(() => maxpoolMethod({ method: 'fastest' }, 4, 1), (e) => e instanceof TfeError && /pairs, tournament or auto/.test(e.message));
});

test('declared rounds: a 2x2 pool with a folded ReLU takes one comparison layer with pairs, three with the tournament', () => {
  assert.ok(spec);
  const attrs = { ksize: [2, 2], strides: [2, 2], padding: 'VALID', relu: true, method: 'auto' };
  // 8 pooled elements: pairs, 8 + ceil(log2 5) product levels
  assert.equal(spec.cost([[2, 4, 4, 1]], attrs, { warm: true }).rounds, COMPARE_ROUNDS + 3);
  // 65 * 65 pooled elements: the tournament over 5 candidates, three levels
  assert.equal(spec.cost([[1, 130, 130, 1]], attrs, { warm: true }).rounds, 3 * COMPARE_ROUNDS);
  // without the ReLU: 4 candidates, two product levels against two tournament levels
  assert.equal(spec.cost([[1, 4, 4, 1]], { ...attrs, relu: false, method: 'pairs' }, { warm: true }).rounds, COMPARE_ROUNDS + 2);
  assert.equal(spec.cost([[1, 4, 4, 1]], { ...attrs, relu: false, method: 'tournament' }, { warm: true }).rounds, 2 * COMPARE_ROUNDS);
});

test('zoo net C: 38 rounds at batch 1 by default, 64 with --maxpool tournament; the default falls back to tournaments at batch 128', async () => {
  const auto = await compile(zooModelPath('C'), { inputRange: [0, 1] });
  const tour = await compile(zooModelPath('C'), { inputRange: [0, 1], maxpool: 'tournament' });
  assert.equal(auto.plan.cost.perPrediction.rounds, 38);
  assert.equal(tour.plan.cost.perPrediction.rounds, 64);
  assert.ok(auto.plan.steps.filter((s) => s.kernel === 'maxpool_s').every((s) => s.attrs.relu === true));
  assert.equal(declaredCost(auto.plan, auto.plan.steps, 128).rounds, declaredCost(tour.plan, tour.plan.steps, 128).rounds);
  assert.equal(declaredCost(auto.plan, auto.plan.steps, 128).bytes.server0, declaredCost(tour.plan, tour.plan.steps, 128).bytes.server0);
});
