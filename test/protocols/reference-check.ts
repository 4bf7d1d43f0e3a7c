/**
 * The conformance check of one case: the plaintext reference protocol's result
 * (runtime/protocols/ref) and the comparison of a protocol's revealed result with it,
 * within the case's stated tolerance (exact; +1 in the last place for truncation; a
 * few ulps for polynomials).
 */
import assert from 'node:assert/strict';
import { reference } from '../../runtime/protocols/ref/index.js';
import { secret, pub, type Operand, type PartyContext } from '../../runtime/protocols/types.js';
import { jsBackend } from '../../runtime/ring/js.js';
import type { RingTensor } from '../../runtime/ring/tensor.js';
import type { Case } from './cases.js';

export async function refRun(c: Case, inputs: ReturnType<Case['inputs']>): Promise<RingTensor[]> {
  const ops: Operand[] = inputs.map((i) => (i.kind === 'secret' ? secret(i.value.shape, i.value) : pub(i.value.shape, i.value)));
  const ctx = { role: 'server0', ring: jsBackend } as unknown as PartyContext;
  const outs = await reference.get(c.kernel).run(ctx, ops, c.attrs);
  return outs.map((o) => (o.kind === 'secret' ? o.share : o.value) as RingTensor);
}

export function compare(c: Case, got: RingTensor, want: RingTensor): void {
  assert.deepEqual(got.shape, want.shape, `${c.kernel} ${c.label}: shape`);
  for (let i = 0; i < want.data.length; i++) {
    const g = BigInt.asIntN(64, got.data[i]);
    const w = BigInt.asIntN(64, want.data[i]);
    const d = g - w;
    const ok = c.tol.kind === 'exact' ? d === 0n : c.tol.kind === 'trunc' ? d === 0n || d === 1n : (d < 0n ? -d : d) <= BigInt(c.tol.ulps);
    if (!ok) assert.fail(`${c.kernel} ${c.label}: element ${i}: protocol gave ${g}, reference ${w} (tolerance ${JSON.stringify(c.tol)})`);
  }
}

