/**
 * The plan verifier's policy on securenn plans (src/plan/verify.ts, src/protocols/securenn.ts):
 * zoo net A compiled with `{ protocol: 'securenn' }` passes, and each tampered copy (its
 * id re-derived, as a careful attacker would) is refused with its code and a message
 * naming the problem: a `dealer` role added (securenn has none: its helper is server2),
 * server2 declared as a dealer or missing, an output or a reveal routed to server2 (the
 * helper holds no shares and may receive nothing) or to server0, and a `share` or
 * `publish` whose owner is a server (servers never own data in the clear).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { verifyPlan, type Plan } from '../../src/plan/index.js';
import { clone, refused, type Mutate } from '../support/plan-refused.js';



const stepIndex = (p: Plan, kernel: string): number => {
  const i = p.steps.findIndex((s) => s.kernel === kernel);
  assert.ok(i >= 0, `the plan has a ${kernel} step`);
  return i;
};

/** The plan with its first output (binding, tensor, reveal step) routed to `to`. */
function outputTo(p: Plan, to: string): Plan {
  const q = clone(p);
  const o = q.outputs[0];
  o.receiver = to;
  q.tensors = q.tensors.map((t) => (t.id === o.tensor ? { ...t, owner: to } : t));
  const r = q.steps.find((s) => s.kernel === 'reveal' && s.outputs.includes(o.tensor));
  assert.ok(r);
  r.attrs = { ...r.attrs, to };
  return q;
}

/** The first weight share's owner attribute set to `owner`. */
function shareOwner(p: Plan, owner: string): Plan {
  const q = clone(p);
  const i = q.setupSteps.findIndex((s) => s.kernel === 'share');
  q.setupSteps[i].attrs = { ...q.setupSteps[i].attrs, owner };
  return q;
}

describe('securenn plan policy', () => {
  let plan: Plan;
  before(async () => {
    plan = (await compile(zooModelPath('A'), { inputRange: [0, 1], protocol: 'securenn' })).plan;
  });

  test('securenn: the compiled plan of zoo net A passes, with roles server0, server1, server2 (compute) and no dealer', () => {
    verifyPlan(plan);
    assert.equal(plan.protocol, 'securenn');
    assert.deepEqual(plan.roles.filter((r) => r.kind === 'compute' || r.kind === 'dealer'), [
      { name: 'server0', kind: 'compute' }, { name: 'server1', kind: 'compute' }, { name: 'server2', kind: 'compute' },
    ]);
  });

  const cases: [string, Mutate, string, RegExp][] = [
    ['a dealer role added', (p) => {
      const q = clone(p);
      q.roles.push({ name: 'dealer', kind: 'dealer' });
      return q;
    }, 'E_PLAN', /plan roles: 'dealer' is of kind dealer, but protocol securenn has no dealer role/],
    ['server2 declared of kind dealer', (p) => {
      const q = clone(p);
      q.roles = q.roles.map((r) => (r.name === 'server2' ? { name: 'server2', kind: 'dealer' as const } : r));
      return q;
    }, 'E_PLAN', /protocol securenn needs role 'server2' of kind compute \(its helper.*\), the plan declares it dealer/],
    ['server2 left out', (p) => {
      const q = clone(p);
      q.roles = q.roles.filter((r) => r.name !== 'server2');
      return q;
    }, 'E_PLAN', /protocol securenn needs role 'server2' of kind compute .*the plan lacks it/],
    ['an output (binding, tensor and reveal) received by server2', (p) => outputTo(p, 'server2'),
      'E_POLICY', /plan tensor t\d+ is private to 'server2', a compute role: only input and output roles own private tensors/],
    ['an output binding received by server2 (the tensor still the client\'s)', (p) => {
      const q = clone(p);
      q.outputs[0].receiver = 'server2';
      return q;
    }, 'E_POLICY', /output binding '.*' goes to 'server2', which is a compute role: outputs go only to input or output roles/],
    ['a reveal step retargeted to server2', (p) => {
      const q = clone(p);
      q.steps[stepIndex(q, 'reveal')].attrs = { to: 'server2' };
      return q;
    }, 'E_POLICY', /steps\[\d+\] \(kernel reveal.*: reveal: server2 is securenn's helper and may receive no output/],
    ['a reveal step retargeted to server0', (p) => {
      const q = clone(p);
      q.steps[stepIndex(q, 'reveal')].attrs = { to: 'server0' };
      return q;
    }, 'E_POLICY', /steps\[\d+\] \(kernel reveal.*private to client, but the step delivers it to the compute roles/],
    ['a weight shared by server2', (p) => shareOwner(p, 'server2'),
      'E_POLICY', /setupSteps\[\d+\] \(kernel share.*names 'server2', a compute role, as the owner of its private operand/],
    ['a weight shared by server0', (p) => shareOwner(p, 'server0'),
      'E_POLICY', /setupSteps\[\d+\] \(kernel share.*names 'server0', a compute role, as the owner of its private operand/],
    ['a weight published by server2', (p) => {
      const q = shareOwner(p, 'server2');
      const s = q.setupSteps.find((x) => x.kernel === 'share' && x.attrs.owner === 'server2');
      assert.ok(s);
      s.kernel = 'publish';
      q.tensors = q.tensors.map((t) => (t.id === s.outputs[0] ? { ...t, visibility: 'public' as const } : t));
      return q;
    }, 'E_POLICY', /setupSteps\[\d+\] \(kernel publish.*names 'server2', a compute role, as the owner of its private operand/],
    ['a weight tensor, binding and share all owned by server2', (p) => {
      const q = shareOwner(p, 'server2');
      const w = q.weights[0];
      w.owner = 'server2';
      q.tensors = q.tensors.map((t) => (t.id === w.tensor ? { ...t, owner: 'server2' } : t));
      return q;
    }, 'E_POLICY', /plan tensor t\d+ is private to 'server2', a compute role/],
  ];
  for (const [name, mutate, code, re] of cases) {
    test(`securenn: refuses ${name} (${code})`, () => refused(mutate(plan), code, re));
  }
});
