/**
 * The plan verifier's declared-bytes caps (src/plan/cost-limits.ts, PlanLimits
 * maxPredictionBytes / maxSetupBytes at maxBatch): a hostile plan that adds 1,000
 * comparisons of a [N, 784] tensor to zoo network A (each declares 8n + 1448 ceil(n/64)
 * bytes per server, n = 784 N: 24.6 MB at batch 1024, 24.6 GB in all) is refused by the default cap with
 * E_PLAN naming the cap, the party, the value and the limit, while its id is
 * recomputed (planDigest) so that only the cap rule refuses it (it passes with the cap
 * lifted); the default caps accept zoo nets A-D; lowered caps refuse the real plan's
 * prediction at a batch and its setup.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { NETS, zooModelPath } from '../../models/index.js';
import { TfeError } from '../../src/errors.js';
import { DEFAULT_PLAN_LIMITS, declaredCost, parsePlan, planDigest, verifyPlan, type Plan, type PlanLimits } from '../../src/plan/index.js';

function withId(p: Plan): Plan {
  return parsePlan({ ...p, planId: planDigest(p) });
}

/** `p` with `copies` extra relu_s steps on the [N, 784] operand of its first matmul. */
function flooded(p: Plan, copies: number): Plan {
  const q = JSON.parse(JSON.stringify(p)) as Plan & { tensors: Plan['tensors'][number][]; steps: Plan['steps'][number][] };
  const mm = q.steps.find((s) => s.kernel === 'matmul_ss');
  assert.ok(mm);
  const x = q.tensors.find((t) => t.id === mm.inputs[0]);
  assert.ok(x);
  for (let i = 0; i < copies; i++) {
    const id = `flood${i}`;
    q.tensors.push({ ...x, id, name: id });
    q.steps.push({ ...mm, kernel: 'relu_s', inputs: [x.id], outputs: [id], attrs: {}, source: `flood${i}` });
  }
  return withId(q);
}

function refusedBy(p: Plan, limits: PlanLimits, re: RegExp): void {
  assert.throws(() => verifyPlan(p, limits), (e: unknown) => {
    assert.ok(e instanceof TfeError, String(e));
    assert.equal(e.code, 'E_PLAN', e.message);
    assert.match(e.message, re);
    return true;
  });
}

describe('declared-bytes caps of the plan verifier', () => {
  let plan: Plan;
  before(async () => {
    plan = (await compile(zooModelPath('A'), { inputRange: [0, 1] })).plan;
  });

  test('the default caps accept zoo nets A-D, and are well above net C at the largest batch', async () => {
    for (const net of NETS) verifyPlan((await compile(zooModelPath(net), { inputRange: [0, 1] })).plan);
    const c = (await compile(zooModelPath('C'), { inputRange: [0, 1] })).plan;
    const cost = declaredCost(c, c.steps, DEFAULT_PLAN_LIMITS.maxBatch);
    const most = Math.max(cost.dealerBytes, ...Object.values(cost.bytes));
    assert.ok(most * 5 < DEFAULT_PLAN_LIMITS.maxPredictionBytes, `${most}`);
  });

  test('a plan flooded with comparisons is refused by maxPredictionBytes, and only by it', () => {
    const q = flooded(plan, 1000);
    refusedBy(q, DEFAULT_PLAN_LIMITS, /plan declares \d+ bytes \([\d.]+ GiB\) sent by server0 in one prediction at batch 1024, over the limit maxPredictionBytes of 17179869184 \(16.00 GiB\)/);
    verifyPlan(q, { ...DEFAULT_PLAN_LIMITS, maxPredictionBytes: Infinity });
    verifyPlan(flooded(plan, 10));
  });

  test('lowered caps refuse the real plan: per prediction at maxBatch, and its setup', () => {
    const at64 = declaredCost(plan, plan.steps, 64);
    const server = at64.bytes.server0 ?? 0;
    verifyPlan(plan, { ...DEFAULT_PLAN_LIMITS, maxBatch: 64, maxPredictionBytes: server });
    refusedBy(plan, { ...DEFAULT_PLAN_LIMITS, maxBatch: 64, maxPredictionBytes: server - 1 }, new RegExp(`${server} bytes .* sent by server0 in one prediction at batch 64, over the limit maxPredictionBytes of ${server - 1}`));
    const owner = declaredCost(plan, plan.setupSteps, 1).bytes['model-owner'] ?? 0;
    assert.ok(owner > 0);
    refusedBy(plan, { ...DEFAULT_PLAN_LIMITS, maxSetupBytes: 1 << 20 }, new RegExp(`${owner} bytes .* sent by model-owner in the setup, over the limit maxSetupBytes of 1048576`));
  });
});
