/**
 * Lowering as data: the ring op and lowering tables cover every ring op; a protocol
 * made from Pond minus relu_s lowers zoo network A through the generic fallback
 * (relu = x * drelu_s(x)), and that plan, run by the Pond runtime, gives the normal
 * plan's outputs (both exact comparisons and an exact product by a 0/1 bit: the only
 * differences are the probabilistic truncations' +-1 ulp, amplified by the later
 * layers) with its declared rounds; likewise network B without maxpool_s (a tournament
 * of exact comparisons and selects); without relu_s and drelu_s the lowering reports
 * each relu node and the missing kernels (E_UNSUPPORTED).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { lower } from '../../compiler/lower/lower.js';
import { POND_LOWERING } from '../../compiler/lower/pond.js';
import { LOWERINGS, loweringTable } from '../../compiler/lower/registry.js';
import { emitPlan } from '../../compiler/plan/emit.js';
import { RING_OP_RULES } from '../../compiler/secure/ops/index.js';
import { zooModelPath } from '../../models/index.js';
import { runLocal } from '../../runtime/party/executor.js';
import { TfeError } from '../../src/errors.js';
import { RING_OP_GROUPS } from '../../src/ir/ring-ops.js';
import { parsePlan } from '../../src/plan/index.js';
import { POND } from '../../src/protocols/pond.js';
import { PROTOCOLS } from '../../src/protocols/registry.js';
import type { ProtocolSpec } from '../../src/protocols/spec.js';
import { readMnist } from '../support/mnist.js';

/** Same bound as test/compiler/mpc.test.ts: a few truncation ulps (2^-16) times the later layers' L1 norms. */
const TOLERANCE = 2e-3;
const RANGE: [number, number] = [0, 1];

/** Pond without the named kernels (same name: the Pond runtime executes the plan). */
function pondWithout(...kernels: string[]): ProtocolSpec {
  return { ...POND, kernels: new Map([...POND.kernels].filter(([k]) => !kernels.includes(k))) };
}

let normal: CompileResult;
before(async () => {
  normal = await compile(zooModelPath('A'), { inputRange: RANGE });
});

test('every ring op has one rule in the ring op table and in each lowering table; every registered protocol has a lowering', () => {
  const ops = Object.values(RING_OP_GROUPS).flat().sort();
  assert.deepEqual(Object.keys(RING_OP_RULES).sort(), ops);
  for (const [name, table] of LOWERINGS) assert.deepEqual(Object.keys(table).sort(), ops, name);
  for (const name of PROTOCOLS.keys()) assert.equal(loweringTable(name), LOWERINGS.get(name));
  assert.throws(() => loweringTable('aby3'), (e) => e instanceof TfeError && e.code === 'E_ARG' && /aby3/.test(e.message));
});

test('compile resolves its protocol through the registry; the plan names it and its roles', async () => {
  assert.equal(normal.plan.protocol, 'pond');
  assert.deepEqual(normal.plan.roles.filter((r) => r.kind === 'compute' || r.kind === 'dealer').map((r) => r.name), [...POND.computeRoles, ...POND.dealerRoles]);
  await assert.rejects(compile(zooModelPath('A'), { protocol: 'nosuch' }), (e) => e instanceof TfeError && e.code === 'E_ARG' && /unknown protocol 'nosuch'/.test(e.message));
});

test('network A without relu_s: relu becomes drelu_s + mul_ss, and the Pond runtime gives the normal plan\'s outputs', async () => {
  const spec = pondWithout('relu_s');
  const lowered = lower(normal.ring, spec, POND_LOWERING, RANGE);
  const { plan, weights } = emitPlan(lowered, { fracBits: normal.plan.fracBits, model: normal.plan.model, options: normal.plan.options });
  parsePlan(plan);
  const count = (p: typeof plan, k: string): number => p.steps.filter((s) => s.kernel === k).length;
  const relus = count(normal.plan, 'relu_s');
  assert.equal(relus, 2, 'network A has two relu layers');
  assert.equal(count(plan, 'relu_s'), 0);
  assert.equal(count(plan, 'drelu_s'), relus);
  assert.equal(count(plan, 'mul_ss'), count(normal.plan, 'mul_ss') + relus);
  assert.ok(plan.steps.every((s) => spec.kernels.has(s.kernel)));
  // one extra Beaver round per relu
  assert.equal(plan.cost.perPrediction.rounds, normal.plan.cost.perPrediction.rounds + relus);

  const images = readMnist(2).images;
  const input = { [plan.inputs[0].name]: { shape: [2, ...plan.inputs[0].shape.slice(1)], data: Float64Array.from(images) } };
  const want = await runLocal(normal.plan, normal.weights, input);
  const got = await runLocal(plan, weights, input);
  assert.equal(got.stats.rounds, got.declared.rounds);
  assert.equal(got.declared.rounds, plan.cost.perPrediction.rounds);
  const o = plan.outputs[0].name;
  const a = got.outputs[o].data;
  const b = want.outputs[o].data;
  assert.equal(a.length, 20);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= TOLERANCE, `${o}[${i}]: fallback ${a[i]} vs relu_s ${b[i]}`);
});

test('without relu_s and drelu_s: E_UNSUPPORTED naming each relu node and the missing kernels', () => {
  assert.throws(() => lower(normal.ring, pondWithout('relu_s', 'drelu_s'), POND_LOWERING, RANGE), (e) => {
    assert.ok(e instanceof TfeError && e.code === 'E_UNSUPPORTED', String(e));
    assert.match(e.message, /protocol pond cannot run 2 node\(s\)/);
    for (const layer of ['dense1', 'dense2']) {
      assert.match(e.message, new RegExp(`${layer}/Relu \\(relu\\): protocol pond has no kernel 'relu_s' \\(nor 'drelu_s' for drelu_s \\+ mul_ss\\)`));
    }
    return true;
  });
});

test('a protocol lacking a kernel with no fallback reports the node and that kernel', () => {
  assert.throws(() => lower(normal.ring, pondWithout('matmul_ss'), POND_LOWERING, RANGE), (e) => {
    assert.ok(e instanceof TfeError && e.code === 'E_UNSUPPORTED', String(e));
    assert.match(e.message, /protocol pond cannot run 3 node\(s\)/);
    assert.match(e.message, /dense1\/MatMul \(matmul\): protocol pond has no kernel 'matmul_ss'/);
    return true;
  });
});

test('network B without maxpool_s: each maxpool (with its folded ReLU) becomes a tournament (sub_ss, drelu_s, select_s), and the Pond runtime gives the normal plan\'s outputs', async () => {
  const b = await compile(zooModelPath('B'), { inputRange: RANGE });
  const spec = pondWithout('maxpool_s');
  const lowered = lower(b.ring, spec, POND_LOWERING, RANGE);
  const { plan, weights } = emitPlan(lowered, { fracBits: b.plan.fracBits, model: b.plan.model, options: b.plan.options });
  parsePlan(plan);
  const count = (p: typeof plan, k: string): number => p.steps.filter((s) => s.kernel === k).length;
  const pools = count(b.plan, 'maxpool_s');
  assert.equal(pools, 2, 'network B has two 2x2 maxpools');
  assert.equal(count(plan, 'maxpool_s'), 0);
  // a 2x2 window: 4 candidates, two tournament levels per pool; the ReLU after each pool is folded in (drelu_s, mul_ss)
  assert.ok(b.plan.steps.filter((s) => s.kernel === 'maxpool_s').every((s) => s.attrs.relu === true && s.attrs.method === 'auto'));
  assert.equal(count(plan, 'select_s'), 2 * pools);
  assert.equal(count(plan, 'drelu_s'), 3 * pools);
  assert.ok(plan.steps.every((s) => spec.kernels.has(s.kernel)));

  const images = readMnist(2).images;
  const input = { [plan.inputs[0].name]: { shape: [2, ...plan.inputs[0].shape.slice(1)], data: Float64Array.from(images) } };
  const want = await runLocal(b.plan, b.weights, input);
  const got = await runLocal(plan, weights, input);
  assert.equal(got.stats.rounds, got.declared.rounds);
  assert.equal(got.declared.rounds, plan.cost.perPrediction.rounds);
  const o = plan.outputs[0].name;
  const x = got.outputs[o].data;
  const y = want.outputs[o].data;
  assert.equal(x.length, 20);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= TOLERANCE, `${o}[${i}]: tournament ${x[i]} vs maxpool_s ${y[i]}`);
});

test('maxpool without maxpool_s and with overlapping windows is reported naming maxpool_s', () => {
  const x = normal.ring.nodes.find((n) => n.op === 'input');
  assert.ok(x);
  const pool = { id: 'pool', op: 'maxpool' as const, inputs: ['img'], attrs: { ksize: [3, 3], strides: [2, 2], padding: 'VALID' }, shape: [-1, 13, 13, 1], source: 'pool/MaxPool', vis: 'secret' as const, scale: 16, bound: 1 };
  const img = { ...x, id: 'img', shape: [-1, 28, 28, 1], source: 'img' };
  const ring = { ...normal.ring, nodes: [img, pool, { id: 'out', op: 'output' as const, inputs: ['pool'], attrs: { name: 'pool' }, shape: pool.shape, source: 'pool', vis: 'secret' as const, scale: 16, bound: 1 }] };
  assert.throws(() => lower(ring, pondWithout('maxpool_s'), POND_LOWERING, RANGE), (e) => {
    assert.ok(e instanceof TfeError && e.code === 'E_UNSUPPORTED', String(e));
    assert.match(e.message, /pool\/MaxPool \(maxpool\): protocol pond has no kernel 'maxpool_s', and its tournament fallback takes only non-overlapping VALID windows/);
    return true;
  });
});
