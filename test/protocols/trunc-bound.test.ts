/**
 * trunc_s's stated bound, tested at scale: over 10^6 values (uniform in (-2^62, 2^62),
 * plus values at and next to the bound, at zero, and at multiples of 2^bits), the
 * result t satisfies floor(x / 2^bits) <= t <= floor(x / 2^bits) + 1, for the default
 * 16 fractional bits and for 1 and 40 bits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LockstepParties } from '../../runtime/party/lockstep.js';
import { pond } from '../../runtime/protocols/pond/index.js';
import { ringTensor } from '../../runtime/ring/tensor.js';
import { revealToClient, runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { signedRing } from '../support/random.js';

const B62 = 1n << 62n;

function edgeValues(bits: number): bigint[] {
  const out: bigint[] = [];
  for (let d = 0n; d < 2000n; d++) out.push(B62 - 1n - d, -(B62 - 1n - d));
  for (let d = -1000n; d <= 1000n; d++) out.push(d, d << BigInt(bits), (d << BigInt(bits)) - 1n);
  return out;
}

for (const [bits, n] of [[16, 1_000_000], [1, 100_000], [40, 100_000]] as const) {
  test(`trunc_s by ${bits} bits on ${n} values: floor <= t <= floor + 1 for |x| < 2^62`, async (t) => {
    const ring = testBackend();
    if (ring.name === 'js' && n > 100_000) {
      t.skip('the BigInt reference backend is too slow for 10^6 values; build the native addon or wasm');
      return;
    }
    const edges = edgeValues(bits);
    const x = signedRing([n], 61); // |x| < 2^61; widen to the full (-2^62, 2^62) by doubling half of them
    for (let i = 0; i < n; i += 2) x.data[i] = BigInt.asUintN(64, BigInt.asIntN(64, x.data[i]) * 2n + 1n);
    edges.forEach((v, i) => (x.data[i] = BigInt.asUintN(64, v)));
    const dep = await LockstepParties.create({ ring });
    const shared = await shareInputs(dep, [{ kind: 'secret', value: ringTensor([n], x.data) }]);
    const { outputs } = await runKernel(dep, pond.get('trunc_s'), shared, { bits });
    const [got] = await revealToClient(dep, outputs);
    let bad = 0;
    let plusOne = 0;
    const sh = BigInt(bits);
    for (let i = 0; i < n; i++) {
      const xi = BigInt.asIntN(64, x.data[i]);
      const d = BigInt.asIntN(64, got.data[i]) - (xi >> sh);
      if (d === 1n) plusOne++;
      else if (d !== 0n) {
        if (bad++ < 5) console.log(`x=${xi} got ${BigInt.asIntN(64, got.data[i])} want ${xi >> sh}`);
      }
    }
    assert.equal(bad, 0, `${bad} of ${n} truncations outside [floor, floor + 1]`);
    // the +1 case must actually occur (about half of random inputs): the test can see it
    assert.ok(plusOne > 0 && plusOne < n, `+1 occurred ${plusOne} times`);
  });
}
