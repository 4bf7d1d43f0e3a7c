/**
 * Compiled programs' plans: roles with their kinds, bindings, owners and receivers come
 * from the program (the issue's example: alice and bob provide inputs, model-owner
 * holds the variable, analyst receives the output), for Pond and SecureNN; every plan
 * passes the plan verifier. Per-input ranges reach the bindings and the headroom
 * analysis; several weights owners are refused; the IR attrs (role, range, owner,
 * visibility) and the receivers option work on a graph compiled directly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { program } from '../../compiler/program/index.js';
import { TfeError } from '../../src/errors.js';
import type { IrGraph, IrNode } from '../../src/ir/node.js';
import { makeConst } from '../../src/ir/tensor-data.js';
import { verifyPlan } from '../../src/plan/verify.js';

const W = Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 10);

function example(): ReturnType<typeof program> {
  const p = program();
  const a = p.privateInput('alice', 'a', [1, 3]);
  const b = p.privateInput('bob', 'b', [1, 3]);
  const w = p.privateVariable('model-owner', 'w', W, [6, 2]);
  const y = p.relu(p.matmul(p.concat([a, b], 1), w));
  p.reveal(y, 'analyst', 'y');
  return p;
}

for (const [protocol, parties] of [['pond', [['server0', 'compute'], ['server1', 'compute'], ['dealer', 'dealer']]], ['securenn', [['server0', 'compute'], ['server1', 'compute'], ['server2', 'compute']]]] as const) {
  test(`${protocol}: the issue's example: roles, bindings, owners and receivers from the program`, async () => {
    const c = await example().compile({ protocol });
    const plan = c.plan;
    verifyPlan(plan);
    assert.deepEqual(plan.roles.map((r) => [r.name, r.kind]), [...parties, ['alice', 'input'], ['bob', 'input'], ['model-owner', 'input'], ['analyst', 'output']]);
    assert.deepEqual(plan.inputs.map((i) => [i.name, i.provider, i.shape, i.range]), [['a', 'alice', [1, 3], [-8, 8]], ['b', 'bob', [1, 3], [-8, 8]]]);
    assert.deepEqual(plan.outputs.map((o) => [o.name, o.receiver, o.shape, o.kind]), [['y', 'analyst', [1, 2], 'values']]);
    assert.deepEqual(plan.weights.map((w) => [w.entry, w.owner]), [['w', 'model-owner']]);
    assert.deepEqual(plan.model, { file: 'program', format: 'program' });
    const tensors = new Map(plan.tensors.map((t) => [t.id, t]));
    // each input is shared by its provider, the weight by its owner once, the output revealed to the analyst only
    const shares = plan.steps.filter((s) => s.kernel === 'share').map((s) => [s.attrs.owner, tensors.get(s.inputs[0])?.owner]);
    assert.deepEqual(shares, [['alice', 'alice'], ['bob', 'bob']]);
    assert.deepEqual(plan.setupSteps.filter((s) => s.kernel === 'share').map((s) => s.attrs.owner), ['model-owner']);
    const reveals = plan.steps.filter((s) => s.reveals);
    assert.deepEqual(reveals.map((s) => [s.kernel, s.attrs.to, tensors.get(s.outputs[0])?.owner]), [['reveal', 'analyst', 'analyst']]);
    // the same program compiles to the same plan
    assert.equal((await example().compile({ protocol })).plan.planId, plan.planId);
  });
}

test('per-input ranges: the binding\'s range and the headroom analysis use the input\'s own range', async () => {
  const build = (range?: readonly [number, number]): ReturnType<typeof program> => {
    const p = program();
    const a = p.privateInput('alice', 'a', [1, 3], range ? { range } : {});
    const b = p.privateInput('alice', 'b', [1, 3]);
    p.reveal(p.mul(p.mul(a, a), p.mul(a, b)), 'alice', 'y');
    return p;
  };
  const c = await build([-2, 3]).compile({ inputRange: [-1, 1] });
  assert.deepEqual(c.plan.inputs.map((i) => [i.name, i.range]), [['a', [-2, 3]], ['b', [-1, 1]]]);
  // a^3 b with |a| <= 1e5: 1e15 * 8, at 2f = 32 bits over 2^62: only a's own range makes it fail
  await build([-8, 8]).compile();
  await assert.rejects(build([-1e5, 1e5]).compile(), (e: unknown) => e instanceof TfeError && e.code === 'E_RANGE' && /\(input range \[-8, 8\]; own ranges: a \[-100000, 100000\], 16 fractional bits\)/.test(e.message));
});

test('the weights of several owners are refused, naming them; without variables the first input\'s role holds the constants', async () => {
  const p = program();
  const a = p.privateInput('alice', 'a', [1, 2]);
  const u = p.privateVariable('bob', 'u', [1, 2], [2]);
  const v = p.privateVariable('carol', 'v', [3, 4], [2]);
  p.reveal(p.add(p.mul(a, u), v), 'alice', 'y');
  await assert.rejects(p.compile(), (e: unknown) => {
    assert.ok(e instanceof TfeError);
    assert.equal(e.code, 'E_UNSUPPORTED');
    assert.match(e.message, /^weights of several owners: 'bob' \(u\), 'carol' \(v\); a plan has one weights owner$/);
    assert.match(e.hint ?? '', /privateInput/);
    return true;
  });
  const q = program();
  const x = q.privateInput('alice', 'x', [1, 2]);
  q.reveal(q.sigmoid(q.add(q.mul(x, q.constant([2, 3], [2])), 1)), 'analyst', 'y');
  const c = await q.compile();
  verifyPlan(c.plan);
  assert.deepEqual(c.plan.roles.filter((r) => r.kind === 'input' || r.kind === 'output').map((r) => [r.name, r.kind]), [['alice', 'input'], ['analyst', 'output']]);
  assert.ok(c.plan.weights.length > 0 && c.plan.weights.every((w) => w.owner === 'alice'), 'the constants (and the sigmoid tables) are alice\'s to publish');
  assert.ok(c.weights.manifest.entries.every((e) => !e.parameter), 'public constants are not model parameters');
  assert.ok(c.plan.setupSteps.every((s) => s.kernel === 'publish' && s.attrs.owner === 'alice'));
});

const node = (n: Partial<IrNode> & Pick<IrNode, 'id' | 'op'>): IrNode => ({ inputs: [], attrs: {}, dtype: 'float32', shape: undefined, ...n });

/** x (alice, range) @ w (bob, marked `vis`) + c (public), out to `receivers`. */
function graph(vis: 'private' | 'public' | undefined, role = 'alice'): IrGraph {
  const w = makeConst('w', 'float32', [2, 2], Float64Array.of(1, 2, 3, 4));
  const c = makeConst('c', 'float32', [2], Float64Array.of(0.5, 0.25));
  return {
    nodes: [
      node({ id: 'x', op: 'Placeholder', shape: [1, 2], attrs: { role, range: [-1, 2] } }),
      { ...w, attrs: { ...w.attrs, owner: 'bob', ...(vis ? { visibility: vis } : {}) } },
      { ...c, attrs: { ...c.attrs, visibility: 'public' } },
      node({ id: 'mm', op: 'MatMul', inputs: ['x', 'w'] }),
      node({ id: 'out', op: 'Add', inputs: ['mm', 'c'] }),
    ],
    inputs: ['x'],
    outputs: ['out'],
    source: { format: 'test', path: 'graph' },
  };
}

test('IR attrs on a graph compiled directly: role, range, owner, visibility marks, receivers', async () => {
  const c = await compile(graph('private'), { publicWeights: true, receivers: { out: 'carol' } });
  const plan = c.plan;
  verifyPlan(plan);
  assert.deepEqual(plan.inputs.map((i) => [i.name, i.provider, i.range]), [['x', 'alice', [-1, 2]]]);
  assert.deepEqual(plan.outputs.map((o) => [o.name, o.receiver]), [['out', 'carol']]);
  assert.deepEqual(plan.roles.filter((r) => r.kind === 'input' || r.kind === 'output').map((r) => r.name), ['alice', 'bob', 'carol']);
  // w is marked private: shared even under --public-weights; c is public: published, not a parameter
  const byEntry = new Map(c.weights.manifest.entries.map((e) => [e.name, e]));
  const setup = plan.setupSteps.map((s) => [s.kernel, s.source]);
  assert.ok(setup.some(([k, src]) => k === 'share' && src === 'w'), JSON.stringify(setup));
  assert.ok(!setup.some(([k, src]) => k === 'publish' && src === 'w'), JSON.stringify(setup));
  assert.equal(byEntry.get('w')?.parameter, true);
  // the same graph unmarked: --public-weights publishes w
  const unmarked = await compile(graph(undefined), { publicWeights: true, receivers: { out: 'carol' } });
  assert.ok(unmarked.plan.setupSteps.some((s) => s.kernel === 'publish' && s.source === 'w'));
  await assert.rejects(compile(graph('private'), { receivers: { nope: 'carol' } }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /receivers: 'nope' is not an output \(outputs: 'out'\)/.test(e.message));
  await assert.rejects(compile(graph('private', 'Alice')), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /^input 'x': role "Alice" is not a role name/.test(e.message));
  await assert.rejects(compile(graph('private', 'server1')), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /^input 'x': role 'server1' is a protocol's own party/.test(e.message));
});

test('an argmax revealed is a label output, anything else values', async () => {
  const p = program();
  const x = p.privateInput('alice', 'x', [2, 4]);
  p.reveal(p.argmax(p.matmul(x, p.privateVariable('model-owner', 'w', new Float64Array(16).fill(0.5), [4, 4]))), 'alice', 'label');
  const c = await p.compile({ protocol: 'securenn' });
  verifyPlan(c.plan);
  assert.deepEqual(c.plan.outputs.map((o) => [o.name, o.kind, o.scale, o.shape]), [['label', 'label', 0, [2]]]);
  // other outputs are values, even a [N, K] matmul (a model's would be guessed as logits)
  const q = program();
  const z = q.privateInput('alice', 'z', [2, 4]);
  q.reveal(q.matmul(z, q.privateVariable('model-owner', 'w', new Float64Array(12).fill(0.5), [4, 3])), 'alice', 'scores');
  assert.deepEqual((await q.compile()).plan.outputs.map((o) => [o.name, o.kind]), [['scores', 'values']]);
});
