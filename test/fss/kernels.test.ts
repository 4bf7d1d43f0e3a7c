/**
 * The comparison kernels with attrs.compare = 'fss' (DReLU, ReLU, max-pool by pairs
 * and by tournament, ArgMax), on every comparison case of the Pond conformance suite
 * (test/protocols/cases.ts): revealed results equal the plaintext reference protocol
 * exactly, and the measured rounds, bytes per server and dealer bytes equal the
 * declared cost exactly (src/protocols/pond-fss.ts), under every protocol of the
 * registry (securenn: the DCF keys are made by server2, the helper, and counted as its
 * bytes, which equal Pond's dealer bytes; dealer bytes 0). Also compareMulFss itself with two
 * payloads on edge values (0, +-1, +-2^63 boundaries, values whose masked c wraps)
 * against BigInt.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LockstepParties } from '../../runtime/party/lockstep.js';
import { kernelsFor } from '../../runtime/protocols/index.js';
import { compareMulFss } from '../../runtime/protocols/pond/fss/compare-fss.js';
import { secret, type Secret } from '../../runtime/protocols/types.js';
import { ringTensor } from '../../runtime/ring/tensor.js';
import { compareCostFss } from '../../src/protocols/pond-fss.js';
import { PROTOCOLS } from '../../src/protocols/registry.js';
import { assertCost, assertHelperIsDealer, pondDeclared } from '../support/cost-check.js';
import { revealToClient, runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { CASES, type Case } from '../protocols/cases.js';
import { compare, refRun } from '../protocols/reference-check.js';

const COMPARING = new Set(['drelu_s', 'relu_s', 'maxpool_s', 'argmax_s']);
const FSS_CASES: Case[] = CASES.filter((c) => COMPARING.has(c.kernel)).map((c) => ({ ...c, attrs: { ...c.attrs, compare: 'fss' } }));

describe('comparison kernels with compare: fss', () => {
  const ring = testBackend();
  test('there are cases for every comparison kernel', () => assert.deepEqual(new Set(FSS_CASES.map((c) => c.kernel)), COMPARING));

  for (const protocol of PROTOCOLS.keys()) {
    const kernels = kernelsFor(protocol);
    for (const c of FSS_CASES) {
      test(`${protocol}: ${c.kernel}: ${c.label}: equals the reference, cost measured = declared`, async () => {
        const inputs = c.inputs();
        const shapes = inputs.map((i) => i.value.shape);
        const dep = await LockstepParties.create({ ring, protocol });
        const shared = await shareInputs(dep, inputs);
        const kernel = kernels.get(c.kernel);
        const { outputs, stats } = await runKernel(dep, kernel, shared, c.attrs);
        assertCost(`${protocol} ${c.label}`, stats, kernel.cost(shapes, c.attrs, { warm: true }));
        if (protocol === 'securenn') assertHelperIsDealer(`securenn ${c.label}`, stats, pondDeclared(c.kernel, shapes, c.attrs));
        const got = await revealToClient(dep, outputs);
        const want = await refRun(c, inputs);
        assert.equal(got.length, want.length);
        got.forEach((g, i) => compare(c, g, want[i]));
        dep.close();
      });
    }
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
