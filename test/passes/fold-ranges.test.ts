/**
 * fold-ranges on its own: value ranges through add / mul / div / floor with float32
 * rounding (checked by hand), the shape guard, and what stays unfolded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldRangesPass } from '../../compiler/passes/fold-ranges.js';
import { DEFAULT_PASS_OPTIONS } from '../../compiler/passes/pass.js';
import { nodeRange } from '../../compiler/passes/value-ranges.js';
import { TfeError } from '../../src/errors.js';
import type { IrNode } from '../../src/ir/node.js';
import { constF, graph, node } from '../ir/fixtures.js';

const rnd = (id: string, shapeOf: string): IrNode => node(id, 'Placeholder', [], { unsupported_op: 'RandomUniform', unsupported_inputs: [shapeOf] });

test('value ranges: float32 rounding is followed, so floor(k + U) folds for k = 1 but not for k = 3', () => {
  const u = nodeRange(rnd('u', 's'), []);
  assert.deepEqual(u, { lo: 0, hi: 1 - 2 ** -23 });
  const add = node('a', 'Add', ['k', 'u']);
  const floor = node('f', 'Floor', ['a']);
  // 1 + (1 - 2^-23) = 2 - 2^-23 is a float32: the floor is 1 everywhere.
  assert.deepEqual(nodeRange(floor, [nodeRange(add, [{ lo: 1, hi: 1 }, u])]), { lo: 1, hi: 1 });
  // 3 + (1 - 2^-23) rounds to 4 in float32 (spacing 2^-22 on [2, 4)): floor is 3 or 4, not a constant.
  assert.deepEqual(nodeRange(floor, [nodeRange(add, [{ lo: 3, hi: 3 }, u])]), { lo: 3, hi: 4 });
  // A negative factor swaps the ends; a divisor interval containing 0 gives no range.
  assert.deepEqual(nodeRange(node('m', 'Mul', ['u', 'c']), [u, { lo: -2, hi: -2 }]), { lo: Math.fround(-2 + 2 ** -22), hi: -0 });
  assert.equal(nodeRange(node('d', 'RealDiv', ['u', 'c']), [u, { lo: -1, hi: 1 }]), undefined);
  // A non-power-of-two divisor widens the quotient by one float32 ulp each way.
  const q = nodeRange(node('d', 'RealDiv', ['c', 'c3']), [{ lo: 1, hi: 1 }, { lo: 3, hi: 3 }]) as { lo: number; hi: number };
  assert.ok(q.lo < Math.fround(1 / 3) && q.hi > Math.fround(1 / 3));
});

function dropoutGraph(xShape: readonly number[]) {
  return graph([
    node('x', 'Placeholder', [], {}, [...xShape]),
    constF('w', [3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    node('h', 'MatMul', ['x', 'w']),
    node('s', 'Shape', ['h'], {}, undefined, 'int32'),
    rnd('u', 's'),
    constF('keep', [], [1]),
    node('a', 'Add', ['keep', 'u']),
    node('mask', 'Floor', ['a']),
    node('y', 'Mul', ['h', 'mask']),
  ], ['x'], ['y']);
}

test('fold-ranges: the mask becomes the scalar 1 and the random branch goes', () => {
  const out = foldRangesPass.run(dropoutGraph([-1, 3]), DEFAULT_PASS_OPTIONS);
  const mask = out.nodes.find((n) => n.id === 'mask');
  assert.equal(mask?.op, 'Const');
  assert.deepEqual(mask?.shape, []);
  assert.ok(!out.nodes.some((n) => ['u', 'a', 's'].includes(n.id)), 'random branch removed');
});

test('fold-ranges: a mask wider than what it multiplies is not replaced by a scalar', () => {
  // y = b * mask with b [-1, 1] and mask [-1, 4]: y is [-1, 4]; a scalar would make it [-1, 1].
  const g0 = dropoutGraph([-1, 3]);
  const g = graph([...g0.nodes.filter((n) => n.id !== 'y'), constF('b', [1], [2]), node('y', 'Mul', ['b', 'mask'])], ['x'], ['y']);
  assert.throws(() => foldRangesPass.run(g, DEFAULT_PASS_OPTIONS), (e: unknown) => e instanceof TfeError && e.code === 'E_UNSUPPORTED' && /node 'u' \(op RandomUniform\)/.test(e.message));
});
