/**
 * Declared-versus-measured cost assertions shared by the cost suites
 * (test/protocols/cost.test.ts, test/fss/kernels.test.ts): rounds, the bytes every party
 * sends, dealer bytes; and securenn's rule that its helper server's traffic is exactly
 * the material Pond's dealer would send for the same kernel, and nothing else.
 */
import assert from 'node:assert/strict';
import type { RunStats } from '../../runtime/party/lockstep.js';
import type { Cost } from '../../runtime/protocols/types.js';
import { POND_SPECS } from '../../src/protocols/pond.js';
import { SECURENN_HELPER } from '../../src/protocols/securenn.js';
import type { KernelAttrs } from '../../src/protocols/spec.js';
import type { Shape } from '../../src/shape.js';

/** measured = declared: rounds, the bytes of every party named by either, dealer bytes. */
export function assertCost(label: string, measured: RunStats, declared: Cost): void {
  assert.equal(measured.rounds, declared.rounds, `${label}: rounds`);
  for (const r of new Set([...Object.keys(measured.bytes), ...Object.keys(declared.bytes)])) {
    assert.equal(measured.bytes[r] ?? 0, declared.bytes[r] ?? 0, `${label}: bytes sent by ${r}`);
  }
  assert.equal(measured.dealerBytes, declared.dealerBytes, `${label}: dealer bytes`);
}

/**
 * A securenn run against Pond's declared cost of the same kernel, shapes and
 * attributes: dealer bytes 0; server2 (the helper) sends exactly Pond's dealer bytes,
 * all of it material (no online byte); every other party sends what it sends under
 * Pond, in as many rounds.
 */
export function assertHelperIsDealer(label: string, securenn: RunStats, pond: Cost): void {
  assert.equal(securenn.dealerBytes, 0, `${label}: securenn dealer bytes`);
  assert.equal(securenn.bytes[SECURENN_HELPER] ?? 0, pond.dealerBytes, `${label}: ${SECURENN_HELPER}'s bytes = pond's dealer bytes`);
  assert.equal(securenn.materialBytes, pond.dealerBytes, `${label}: ${SECURENN_HELPER} sends only material`);
  assert.equal(pond.bytes[SECURENN_HELPER], undefined, `${label}: pond has no ${SECURENN_HELPER}`);
  assert.equal(securenn.rounds, pond.rounds, `${label}: rounds`);
  for (const r of new Set([...Object.keys(securenn.bytes), ...Object.keys(pond.bytes)])) {
    if (r !== SECURENN_HELPER) assert.equal(securenn.bytes[r] ?? 0, pond.bytes[r] ?? 0, `${label}: bytes sent by ${r}`);
  }
}

/** Pond's declared cost of `kernel` on these shapes and attributes, with the weight masks open. */
export function pondDeclared(kernel: string, shapes: readonly Shape[], attrs: KernelAttrs): Cost {
  const spec = POND_SPECS.get(kernel);
  if (!spec) throw new Error(`pond has no kernel ${kernel}`);
  return spec.cost(shapes, attrs, { warm: true });
}
