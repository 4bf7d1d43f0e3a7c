/**
 * The plan verifier (src/plan/verify.ts): every plan the compiler writes passes it
 * (its id is the SHA-256 of its canonical content, so any edit is caught even before
 * the rules; the cases below re-derive the id to reach each rule)
 * (zoo nets A-D and two shared models), and each tampered plan is refused with the
 * code and a message naming the step and the rule: a reveal retargeted to a server or
 * to another role, a reveal added for a weight share or an intermediate value, an
 * unmarked reveal, an unknown kernel, a secret where a public is expected, a tensor
 * used before it is computed, a wrong result shape, a reserved role name, an output
 * received by the dealer.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { NETS, zooModelPath } from '../../models/index.js';
import { TfeError } from '../../src/errors.js';
import { parsePlan, verifyPlan, type Plan, type PlanStep } from '../../src/plan/index.js';
import { sharedModel } from '../support/paths.js';
import { clone, refused, type Mutate } from '../support/plan-refused.js';



function revealIndex(p: Plan): number {
  return p.steps.findIndex((s) => s.kernel === 'reveal');
}

describe('plan verifier', () => {
  let plan: Plan;
  before(async () => {
    plan = (await compile(zooModelPath('A'), { inputRange: [0, 1] })).plan;
  });

  test('every compiled plan passes: zoo nets A-D and two shared models', async () => {
    for (const net of NETS) verifyPlan((await compile(zooModelPath(net), { inputRange: [0, 1] })).plan);
    for (const m of ['tfe_mnist_cnn_avgpool/mnist_model.pb', 'tfjs_examples_abalone_layers/model.json']) {
      verifyPlan((await compile(sharedModel(m), m.startsWith('tfe') ? { inputRange: [0, 1] } : {})).plan);
    }
  });

  test('refuses a plan whose content no longer matches its id (E_POLICY)', () => {
    const q = clone(plan);
    q.steps[revealIndex(q)].attrs = { to: 'server1' };
    assert.throws(() => verifyPlan(parsePlan(q)), (e: unknown) => e instanceof TfeError && e.code === 'E_POLICY' && /is not the SHA-256 of the plan's content/.test(e.message));
  });

  const cases: [string, Mutate, string, RegExp][] = [
    ['a reveal retargeted to server1', (p) => {
      const q = clone(p);
      (q.steps[revealIndex(q)].attrs as Record<string, unknown>).to = 'server1';
      return q;
    }, 'E_POLICY', /steps\[\d+\] \(kernel reveal.*delivers it to the compute roles/],
    ['a reveal retargeted to the model owner', (p) => {
      const q = clone(p);
      (q.steps[revealIndex(q)].attrs as Record<string, unknown>).to = 'model-owner';
      return q;
    }, 'E_POLICY', /private to client, but the step delivers it to model-owner/],
    ['an added reveal of a weight share to the client', (p) => {
      const q = clone(p);
      const w = q.setupSteps[0].outputs[0];
      q.tensors.push({ id: 'leak', shape: q.tensors.find((t) => t.id === w)!.shape, scale: 16, visibility: 'private', owner: 'client' });
      const r = q.steps[revealIndex(q)];
      q.steps.push({ ...r, inputs: [w], outputs: ['leak'] } as PlanStep);
      return q;
    }, 'E_POLICY', /reveals tensor t\d+, which depends on no input role's data, only on weights and constants/],
    ['a reveal of a weight share made an output binding of its own', (p) => {
      const q = clone(p);
      const w = q.setupSteps[0].outputs[0];
      q.tensors.push({ id: 'leak', shape: q.tensors.find((t) => t.id === w)!.shape, scale: 16, visibility: 'private', owner: 'client' });
      const r = q.steps[revealIndex(q)];
      q.steps.push({ ...r, inputs: [w], outputs: ['leak'] } as PlanStep);
      q.outputs.push({ ...q.outputs[0], name: 'weights', tensor: 'leak', shape: q.tensors.find((t) => t.id === w)!.shape });
      return q;
    }, 'E_POLICY', /reveals tensor t\d+, which depends on no input role's data/],
    ['a tensor over the size limit (a huge padded shape)', (p) => {
      const q = clone(p);
      q.tensors[3].shape = [-1, 100000, 100000];
      return q;
    }, 'E_PLAN', /plan tensor t3 of shape \[-1,100000,100000\] holds 10000000000 elements at batch 1, over the limit/],
    ['a reveal step marked as not revealing', (p) => {
      const q = clone(p);
      q.steps[revealIndex(q)].reveals = false;
      return q;
    }, 'E_POLICY', /reveals a value but the step is not marked/],
    ['an unknown kernel', (p) => {
      const q = clone(p);
      q.steps[3].kernel = 'open_everything';
      return q;
    }, 'E_PLAN', /steps\[3\].*has no kernel 'open_everything'/],
    ['the model owner\'s private weights where a secret is expected', (p) => {
      const q = clone(p);
      const i = q.steps.findIndex((s) => s.kernel === 'relu_s');
      q.steps[i].inputs = [q.weights[0].tensor];
      return q;
    }, 'E_PLAN', /operand 0 .* is (public|private), the kernel takes a secret tensor/],
    ['a tensor used before it is computed', (p) => {
      const q = clone(p);
      const last = q.steps[q.steps.length - 1].outputs[0];
      q.steps[2].inputs = [last, ...q.steps[2].inputs.slice(1)];
      return q;
    }, 'E_PLAN', /is used before it is computed/],
    ['a result whose shape is not the kernel\'s', (p) => {
      const q = clone(p);
      const i = q.steps.findIndex((s) => s.kernel === 'relu_s');
      const t = q.tensors.find((x) => x.id === q.steps[i].outputs[0])!;
      t.shape = [-1, 7];
      return q;
    }, 'E_PLAN', /has shape \[-1,7\], but the kernel gives/],
    ['an input role named like a server', (p) => {
      const q = clone(p);
      q.roles.push({ name: 'server2', kind: 'compute' });
      return q;
    }, 'E_PLAN', /'server2' is of kind compute, but protocol pond's compute roles/],
    ['a cached weight mask applied to another weight (one mask, two tensors)', (p) => {
      const q = clone(p);
      const cached = q.steps.filter((s) => typeof s.attrs.cacheKey === 'string');
      cached[1].attrs = { ...cached[1].attrs, cacheKey: cached[0].attrs.cacheKey as string };
      return q;
    }, 'E_POLICY', /mask 't\d+' was opened for tensor t\d+, but the step applies it to t\d+: a mask serves only its own weight/],
    ['a weight mask drawn twice', (p) => {
      const q = clone(p);
      const i = q.setupSteps.findIndex((s) => s.kernel === 'mask_s');
      q.setupSteps.push({ ...q.setupSteps[i], outputs: ['again'] });
      q.tensors.push({ ...q.tensors.find((t) => t.id === q.setupSteps[i].outputs[0])!, id: 'again' });
      return q;
    }, 'E_POLICY', /mask 't\d+' is drawn twice/],
    ['the model owner\'s weight shared by the client (a private tensor in a kernel its owner does not run)', (p) => {
      const q = clone(p);
      q.setupSteps[0].attrs = { ...q.setupSteps[0].attrs, owner: 'client' };
      return q;
    }, 'E_POLICY', /setupSteps\[0\] \(kernel share.*tensor t\d+ is private to model-owner, who does not run this step/],
    ['the client\'s input published to the servers in the clear', (p) => {
      const q = clone(p);
      const i = q.steps.findIndex((s) => s.kernel === 'share');
      q.steps[i] = { ...q.steps[i], kernel: 'publish' };
      q.tensors = q.tensors.map((t) => (t.id === q.steps[i].outputs[0] ? { ...t, visibility: 'public' as const } : t));
      return q;
    }, 'E_POLICY', /steps\[0\] \(kernel publish.*sends tensor t\d+, the data of input '.*', to the servers in the clear/],
    ['an output received by the dealer', (p) => {
      const q = clone(p);
      q.outputs[0].receiver = 'dealer';
      return q;
    }, 'E_POLICY', /goes to 'dealer', which is a dealer role/],
  ];
  for (const [name, mutate, code, re] of cases) {
    test(`refuses ${name} (${code})`, () => refused(mutate(plan), code, re));
  }
});
