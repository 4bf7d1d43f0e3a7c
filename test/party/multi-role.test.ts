/**
 * Predictions with several input and output roles (runtime/party/compute.ts's
 * rendezvous, runtime/party/run-roles.ts): alice gives `a`, bob gives `b`, the model
 * owner's `w` is shared once, and only the analyst receives relu(concat([a, b]) @ w).
 * Compared with the float64 computation; the fixed-point error is below 2^-12 here
 * (inputs and weights are multiples of 2^-3 at 16 fractional bits, one truncation per
 * product: at most 6 · 2^-16 plus the truncation's 2^-16, far below the tolerance).
 * Also: a role that is not a provider, missing inputs, different batch sizes, a
 * participant that never comes (the leader refuses the others with E_TIMEOUT), and two
 * predictions at once whose requests arrive crossed (they pair by job).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TfeError } from '../../src/errors.js';
import { predictParticipants, type Plan } from '../../src/plan/index.js';
import { LocalDeployment } from '../../runtime/party/local.js';
import { decodeOutputs } from '../../runtime/party/prediction-io.js';
import { encodeRoles, runRolesLocal } from '../../runtime/party/run-roles.js';
import type { Env } from '../../runtime/party/steps.js';
import { multiRolePlan, reference } from '../support/multi-role-plan.js';

const A = [1, 2, 3, -1, 0.5, 0.25];
const B = [4, 5, 6, 0.125, -2, 1];
const TOL = 2 ** -12;

/** alice's `a` and bob's `b` (rows of 3) encoded for `plan`: each role's environment, and the batch. */
function envsOf(plan: Plan, a: readonly number[], b: readonly number[]): { env: (role: string) => Env; batch: number } {
  const rows = a.length / 3;
  const { envs, batch } = encodeRoles(plan, {
    alice: { [plan.inputs[0].name]: { shape: [rows, 3], data: Float64Array.from(a) } },
    bob: { [plan.inputs[1].name]: { shape: [rows, 3], data: Float64Array.from(b) } },
  });
  return { env: (role) => envs.get(role) ?? new Map(), batch };
}

for (const protocol of ['pond', 'securenn']) {
  describe(`several input and output roles (${protocol})`, () => {
    test('alice and bob provide, the analyst alone receives, equal to the float64 computation', async () => {
      const { plan, weights } = await multiRolePlan(protocol);
      assert.deepEqual(predictParticipants(plan), ['alice', 'bob', 'analyst']);
      const out = await runRolesLocal(plan, weights, {
        alice: { [plan.inputs[0].name]: { shape: [2, 3], data: Float64Array.from(A) } },
        bob: { [plan.inputs[1].name]: { shape: [2, 3], data: Float64Array.from(B) } },
      });
      assert.deepEqual(Object.keys(out), ['analyst']);
      const y = out.analyst[plan.outputs[0].name];
      assert.deepEqual(y.shape, [2, 2]);
      const want = reference(A, B, 2);
      y.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < TOL, `y[${i}] = ${v}, expected ${want[i]}`));
    });

    test('inputs for a role that provides none, missing inputs, and different batches are refused by name', async () => {
      const { plan } = await multiRolePlan(protocol);
      const [na, nb] = plan.inputs.map((b) => b.name);
      const one = (v: number[]): { shape: number[]; data: Float64Array } => ({ shape: [1, 3], data: Float64Array.from(v) });
      assert.throws(() => encodeRoles(plan, { alice: { [na]: one([1, 2, 3]) }, bob: { [nb]: one([1, 2, 3]) }, analyst: {} }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /'analyst'.*provides no inputs/.test(e.message));
      assert.throws(() => encodeRoles(plan, { alice: { [na]: one([1, 2, 3]) } }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /no inputs for role 'bob'/.test(e.message));
      assert.throws(() => encodeRoles(plan, { alice: { [na]: one([1, 2, 3]) }, bob: { [nb]: { shape: [2, 3], data: Float64Array.from(B) } } }), (e: unknown) => e instanceof TfeError && e.code === 'E_SHAPE' && /alice 1, bob 2/.test(e.message));
      assert.throws(() => encodeRoles(plan, { alice: { [nb]: one([1, 2, 3]) }, bob: { [nb]: one([1, 2, 3]) } }), (e: unknown) => e instanceof TfeError && /^alice: /.test(e.message));
    });

    test('a participant that never comes: the others are refused with E_TIMEOUT naming it, and the next prediction runs', async () => {
      const { plan, weights } = await multiRolePlan(protocol);
      const d = await LocalDeployment.start(plan, weights, { receiveTimeoutMs: 1500 });
      try {
        const { env, batch } = envsOf(plan, A.slice(0, 3), B.slice(0, 3));
        await assert.rejects(d.session('alice', 'predict', batch, env('alice')), (e: unknown) => e instanceof TfeError && e.code === 'E_TIMEOUT' && /bob, analyst/.test(e.message));
        const rs = await Promise.all([
          d.session('alice', 'predict', batch, env('alice')),
          d.session('bob', 'predict', batch, env('bob')),
          d.session('analyst', 'predict', 0, new Map()),
        ]);
        assert.equal(rs[2].batch, 1);
        assert.ok(rs[2].env.has(plan.outputs[0].tensor));
        assert.ok(!rs[0].env.has(plan.outputs[0].tensor), 'alice receives nothing');
      } finally {
        d.close();
      }
    });

    test('two predictions at once, their requests arriving crossed, pair by job', async () => {
      const { plan, weights } = await multiRolePlan(protocol);
      const d = await LocalDeployment.start(plan, weights);
      try {
        const j1 = envsOf(plan, A.slice(0, 3), B.slice(0, 3)).env;
        const j2 = envsOf(plan, A.slice(3), B.slice(3)).env;
        // bob's and the analyst's requests of job 2 arrive before their requests of job 1
        const rs = await Promise.all([
          d.session('alice', 'predict', 1, j1('alice'), { job: 'j1' }),
          d.session('bob', 'predict', 1, j2('bob'), { job: 'j2' }),
          d.session('analyst', 'predict', 0, new Map(), { job: 'j2' }),
          d.session('alice', 'predict', 1, j2('alice'), { job: 'j2' }),
          d.session('bob', 'predict', 1, j1('bob'), { job: 'j1' }),
          d.session('analyst', 'predict', 0, new Map(), { job: 'j1' }),
        ]);
        const y = (i: number): number[] => Array.from(decodeOutputs(plan, 'analyst', rs[i].env)[plan.outputs[0].name].data);
        const want1 = reference(A.slice(0, 3), B.slice(0, 3), 1);
        const want2 = reference(A.slice(3), B.slice(3), 1);
        y(5).forEach((v, i) => assert.ok(Math.abs(v - want1[i]) < TOL, `job 1: y[${i}] = ${v}, expected ${want1[i]}`));
        y(2).forEach((v, i) => assert.ok(Math.abs(v - want2[i]) < TOL, `job 2: y[${i}] = ${v}, expected ${want2[i]}`));
        assert.equal(rs[0].session, rs[5].session, 'alice and the analyst of job 1 ran one session');
        assert.equal(rs[1].session, rs[3].session, 'bob and alice of job 2 ran one session');
      } finally {
        d.close();
      }
    });

    test('providers that name different batch sizes are all refused', async () => {
      const { plan, weights } = await multiRolePlan(protocol);
      const d = await LocalDeployment.start(plan, weights);
      try {
        const env1 = envsOf(plan, A.slice(0, 3), B.slice(0, 3)).env;
        const env2 = envsOf(plan, A, B).env;
        const rs = await Promise.allSettled([
          d.session('alice', 'predict', 1, env1('alice')),
          d.session('bob', 'predict', 2, env2('bob')),
          d.session('analyst', 'predict', 0, new Map()),
        ]);
        for (const r of rs) assert.ok(r.status === 'rejected' && r.reason instanceof TfeError && r.reason.code === 'E_ARG' && /different batch sizes \(alice 1, bob 2, analyst any\)/.test(r.reason.message), String(r.status === 'rejected' ? r.reason : 'fulfilled'));
      } finally {
        d.close();
      }
    });
  });
}
