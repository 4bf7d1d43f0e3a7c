/**
 * The comparison kernels with attrs.compare = 'fss' (DReLU, ReLU, max-pool by pairs
 * and by tournament, ArgMax), on every comparison case of the Pond conformance suite
 * (test/protocols/cases.ts): revealed results equal the plaintext reference protocol
 * exactly, and the measured rounds, bytes per server and dealer bytes equal the
 * declared cost exactly (src/protocols/pond-fss.ts). Also compareMulFss itself with two
 * payloads on edge values (0, +-1, +-2^63 boundaries, values whose masked c wraps)
 * against BigInt.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LockstepParties, type RunStats } from '../../runtime/party/lockstep.js';
import { pond } from '../../runtime/protocols/pond/index.js';
import { compareMulFss } from '../../runtime/protocols/pond/fss/compare-fss.js';
import { secret, type Cost, type Secret } from '../../runtime/protocols/types.js';
import { ringTensor } from '../../runtime/ring/tensor.js';
import { compareCostFss } from '../../src/protocols/pond-fss.js';
import { revealToClient, runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { CASES, type Case } from '../protocols/cases.js';
import { compare, refRun } from '../protocols/reference-check.js';

const COMPARING = new Set(['drelu_s', 'relu_s', 'maxpool_s', 'argmax_s']);
const FSS_CASES: Case[] = CASES.filter((c) => COMPARING.has(c.kernel)).map((c) => ({ ...c, attrs: { ...c.attrs, compare: 'fss' } }));

function assertCost(label: string, measured: RunStats, declared: Cost): void {
  assert.equal(measured.rounds, declared.rounds, `${label}: rounds`);
  for (const r of ['server0', 'server1']) assert.equal(measured.bytes[r] ?? 0, declared.bytes[r] ?? 0, `${label}: bytes sent by ${r}`);
  assert.equal(measured.dealerBytes, declared.dealerBytes, `${label}: dealer bytes`);
}

describe('comparison kernels with compare: fss', () => {
  const ring = testBackend();
  test('there are cases for every comparison kernel', () => assert.deepEqual(new Set(FSS_CASES.map((c) => c.kernel)), COMPARING));

  for (const c of FSS_CASES) {
    test(`${c.kernel}: ${c.label}: equals the reference, cost measured = declared`, async () => {
      const inputs = c.inputs();
      const dep = await LockstepParties.create({ ring });
      const shared = await shareInputs(dep, inputs);
      const kernel = pond.get(c.kernel);
      const { outputs, stats } = await runKernel(dep, kernel, shared, c.attrs);
      assertCost(c.label, stats, kernel.cost(inputs.map((i) => i.value.shape), c.attrs, { warm: true }));
      const got = await revealToClient(dep, outputs);
      const want = await refRun(c, inputs);
      assert.equal(got.length, want.length);
      got.forEach((g, i) => compare(c, g, want[i]));
      dep.close();
    });
  }

  test('compareMulFss with two payloads on edge values, against BigInt', async () => {
    const M = (1n << 64n) - 1n;
    const T = 1n << 63n;
    const edges = [0n, 1n, M, T - 1n, T, T + 1n, M - 1n, 2n, T - 2n, 1n << 62n, (1n << 62n) - 1n, M - (1n << 62n)];
    const xs = [...edges];
    for (let i = 0; i < 200; i++) xs.push(BigInt.asUintN(64, BigInt(i) * 0x9e3779b97f4a7c15n));
    const n = xs.length;
    const x = ringTensor([n], BigUint64Array.from(xs));
    const y1 = ringTensor([n], BigUint64Array.from(xs, (v, i) => BigInt.asUintN(64, v * 3n + BigInt(i))));
    const y2 = ringTensor([n], BigUint64Array.from(xs, (_, i) => BigInt(i) * 1000n + 7n));
    const dep = await LockstepParties.create({ ring });
    const shared = await shareInputs(dep, [{ kind: 'secret', value: x }, { kind: 'secret', value: y1 }, { kind: 'secret', value: y2 }]);
    const { results, stats } = await dep.run(async (ctx) => {
      const [a, b, c] = (shared.get(ctx.role) ?? []) as Secret[];
      const r = await compareMulFss(ctx, a ?? secret([n]), [b ?? secret([n]), c ?? secret([n])]);
      return [r.b, ...r.products];
    });
    assertCost('compareMulFss', stats, compareCostFss(n, 2));
    const got = await revealToClient(dep, results);
    const bit = xs.map((v) => (v < T ? 1n : 0n));
    assert.deepEqual([...got[0].data], bit);
    assert.deepEqual([...got[1].data], [...y1.data].map((v, i) => (bit[i] ? v : 0n)));
    assert.deepEqual([...got[2].data], [...y2.data].map((v, i) => (bit[i] ? v : 0n)));
    dep.close();
  });
});
