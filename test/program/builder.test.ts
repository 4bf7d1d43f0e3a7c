/**
 * The program builder's checks at the call: every op family's shape error names the op
 * and its operands' shapes; names are unique; roles are free role names; variable
 * values match their shape and are finite; tensors of two programs never mix; compile
 * refuses a program that reveals nothing, reveals what depends on no input, or has an
 * unused input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { program, type Program, type ProgramTensor } from '../../compiler/program/index.js';
import { TfeError, type ErrorCode } from '../../src/errors.js';

/** Asserts that `f` throws a TfeError of `code` whose message matches every pattern. */
function throwsTfe(f: () => unknown, code: ErrorCode, ...patterns: RegExp[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TfeError, `a TfeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

async function rejectsTfe(p: Promise<unknown>, code: ErrorCode, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TfeError, `a TfeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const q of patterns) assert.match(e.message, q);
    return true;
  });
}

function setup(): { p: Program; a: ProgramTensor; w: ProgramTensor; img: ProgramTensor; f: ProgramTensor } {
  const p = program();
  const a = p.privateInput('alice', 'a', [1, 6]);
  const w = p.privateVariable('model-owner', 'w', new Float32Array(10), [5, 2]);
  const img = p.privateInput('alice', 'img', [1, 4, 4, 2]);
  const f = p.privateVariable('model-owner', 'f', new Float64Array(3 * 3 * 3 * 4), [3, 3, 3, 4]);
  return { p, a, w, img, f };
}

test('shapes are checked at each call, the error naming the op and its operands\' shapes', () => {
  const { p, a, w, img, f } = setup();
  throwsTfe(() => p.matmul(a, w), 'E_SHAPE', /^matmul\(a \[1,6\], w \[5,2\]\): inner dimensions differ: \[1,6\] x \[5,2\]$/);
  throwsTfe(() => p.matmul(img, w), 'E_SHAPE', /^matmul\(img \[1,4,4,2\], w \[5,2\]\): operands must be rank 2/);
  throwsTfe(() => p.add(a, p.constant([1, 2, 3], [3])), 'E_SHAPE', /^add\(a \[1,6\], const_1 \[3\]\): cannot broadcast \[1,6\] with \[3\]/);
  throwsTfe(() => p.sub(a, w), 'E_SHAPE', /^sub\(a \[1,6\], w \[5,2\]\): cannot broadcast/);
  throwsTfe(() => p.mul(w, a), 'E_SHAPE', /^mul\(w \[5,2\], a \[1,6\]\): cannot broadcast/);
  throwsTfe(() => p.conv2d(img, f), 'E_SHAPE', /^conv2d\(img \[1,4,4,2\], f \[3,3,3,4\]\): input has 2 channels but the filter expects 3/);
  throwsTfe(() => p.conv2d(a, f), 'E_SHAPE', /^conv2d\(a \[1,6\], f \[3,3,3,4\]\): input must be rank 4 \(NHWC\)/);
  const big = p.privateVariable('model-owner', 'big', new Float64Array(5 * 5 * 2), [5, 5, 2, 1]);
  throwsTfe(() => p.conv2d(img, big, { padding: 'valid' }), 'E_SHAPE', /^conv2d\(img \[1,4,4,2\], big \[5,5,2,1\]\): the result would have shape \[1,0,0,1\]/);
  throwsTfe(() => p.conv2d(img, big, { padding: 'full' as 'same' }), 'E_ARG', /conv2d\(.*\): padding "full" must be 'same' or 'valid'/);
  throwsTfe(() => p.conv2d(img, big, { strides: 0 }), 'E_ARG', /conv2d\(.*\): strides 0 must be a positive integer/);
  throwsTfe(() => p.avgPool(a, { ksize: 2 }), 'E_SHAPE', /^avgPool\(a \[1,6\]\): input must be rank 4 \(NHWC\), got \[1,6\]/);
  throwsTfe(() => p.maxPool(img, { ksize: 5 }), 'E_SHAPE', /^maxPool\(img \[1,4,4,2\]\): the result would have shape \[1,0,0,2\]/);
  throwsTfe(() => p.reshape(a, [4, 2]), 'E_SHAPE', /^reshape\(a \[1,6\], \[4,2\]\): cannot reshape \[1,6\] \(6 elements\) to \[4,2\]/);
  throwsTfe(() => p.transpose(a, [0, 0]), 'E_SHAPE', /^transpose\(a \[1,6\], \[0,0\]\): perm \[0,0\] is not a permutation of rank 2/);
  throwsTfe(() => p.pad(a, [[1, 1]]), 'E_SHAPE', /^pad\(a \[1,6\], \[\[1,1\]\]\): paddings has 2 values for rank 2/);
  throwsTfe(() => p.concat([a, w], 0), 'E_SHAPE', /^concat\(\[a \[1,6\], w \[5,2\]\], 0\): operands differ outside the concat axis/);
  throwsTfe(() => p.concat([a, img], 1), 'E_SHAPE', /^concat\(.*\): operands have different ranks/);
  throwsTfe(() => p.sum(a, { axis: 2 }), 'E_ARG', /^sum\(a \[1,6\], axis 2\): axis 2 is out of range for rank 2/);
  throwsTfe(() => p.mean(a, { axis: [1, -1] }), 'E_ARG', /^mean\(a \[1,6\], axis \[1,-1\]\): axis \[1,-1\] repeats an axis/);
  throwsTfe(() => p.argmax(img, 1), 'E_UNSUPPORTED', /^argmax\(img \[1,4,4,2\], 1\): argmax over axis 1, not the last \(3\)/);
  throwsTfe(() => p.relu('a' as unknown as ProgramTensor), 'E_ARG', /^relu\("a"\): operand "a" is not a tensor of a program/);
  // the ops that pass are shaped at the call
  assert.deepEqual(p.conv2d(img, p.privateVariable('model-owner', 'f2', new Float64Array(3 * 3 * 2 * 4), [3, 3, 2, 4]), { strides: 2, padding: 'same' }).shape, [1, 2, 2, 4]);
  assert.deepEqual(p.matmul(a, a, { transposeA: true }).shape, [6, 6]);
  assert.deepEqual(p.matmul(a, a, { transposeB: true }).shape, [1, 1]);
  assert.deepEqual(p.matmul(w, w, { transposeA: true }).shape, [2, 2]);
  assert.deepEqual(p.sum(img, { axis: [1, 2], keepDims: true }).shape, [1, 1, 1, 2]);
  assert.deepEqual(p.mean(img).shape, []);
  assert.deepEqual(p.transpose(img).shape, [2, 4, 4, 1]);
  assert.deepEqual(p.argmax(img).shape, [1, 4, 4]);
});

test('names: unique among inputs, variables and outputs, naming both uses; a later user name takes a generated id', async () => {
  const p = program();
  const a = p.privateInput('alice', 'a', [1, 2]);
  throwsTfe(() => p.privateInput('bob', 'a', [1, 2]), 'E_ARG', /^privateInput\("bob", "a"\): the name 'a' is already used by privateInput\("alice", "a"\)$/);
  throwsTfe(() => p.privateVariable('bob', 'a', [1, 2], [2]), 'E_ARG', /the name 'a' is already used by privateInput/);
  throwsTfe(() => p.privateInput('alice', 'x:0', [1, 2]), 'E_ARG', /name "x:0" is not a valid name/);
  const m = p.relu(a);
  assert.equal(m.name, 'relu_1');
  p.reveal(m, 'alice', 'out');
  throwsTfe(() => p.reveal(m, 'alice', 'out'), 'E_ARG', /^reveal\(relu_1 \[1,2\], "alice", "out"\): the name 'out' is already used by reveal\(relu_1 \[1,2\], "alice", "out"\)/);
  // a user name equal to a generated id: the op is renamed, its tensor follows
  p.reveal(p.neg(m), 'alice', 'relu_1');
  assert.equal(m.name, 'relu_2');
  const c = await p.compile();
  assert.deepEqual(c.plan.outputs.map((o) => o.name), ['out', 'relu_1']);
});

test('roles: free role names only, the error naming the call', () => {
  const p = program();
  throwsTfe(() => p.privateInput('Server0', 'a', [1, 3]), 'E_ARG', /^privateInput\("Server0", "a"\): role "Server0" is not a role name$/);
  throwsTfe(() => p.privateInput('server0', 'a', [1, 3]), 'E_ARG', /^privateInput\("server0", "a"\): role 'server0' is a protocol's own party$/);
  throwsTfe(() => p.privateVariable('dealer', 'w', [1], [1]), 'E_ARG', /^privateVariable\("dealer", "w"\): role 'dealer' is a protocol's own party/);
  const a = p.privateInput('alice', 'a', [1, 3]);
  throwsTfe(() => p.reveal(a, 'server2', 'y'), 'E_ARG', /^reveal\(a \[1,3\], "server2", "y"\): role 'server2' is a protocol's own party/);
  throwsTfe(() => p.reveal(a, '', 'y'), 'E_ARG', /role "" is not a role name/);
});

test('values: length, nesting and finiteness; shapes are positive integers', () => {
  const p = program();
  throwsTfe(() => p.privateVariable('bob', 'w', new Float32Array(5), [2, 3]), 'E_SHAPE', /^privateVariable\("bob", "w"\): 5 value\(s\) for shape \[2,3\], which has 6 element\(s\)$/);
  throwsTfe(() => p.privateVariable('bob', 'w', [[1, 2], [3, 4], [5, 6]], [2, 3]), 'E_SHAPE', /the values are nested as \[3,2\], the shape is \[2,3\]/);
  throwsTfe(() => p.privateVariable('bob', 'w', [[1, 2], [3]], [3]), 'E_SHAPE', /ragged/);
  throwsTfe(() => p.privateVariable('bob', 'w', [1, Number.NaN], [2]), 'E_RANGE', /value NaN at flat index 1 is not a finite number/);
  throwsTfe(() => p.constant([Infinity], [1]), 'E_RANGE', /value Infinity at flat index 0/);
  throwsTfe(() => p.privateInput('alice', 'a', [1, -1]), 'E_SHAPE', /shape \[1,-1\] must be a list of positive integers/);
  throwsTfe(() => p.privateInput('alice', 'a', [1, 2], { range: [2, 1] }), 'E_ARG', /range \[2,1\] must be \[lo, hi\] with finite lo <= hi/);
  const a = p.privateInput('alice', 'a', [2, 2]);
  throwsTfe(() => p.add(a, Number.NaN), 'E_RANGE', /add\(a \[2,2\], NaN\): NaN is not a finite number/);
  throwsTfe(() => p.add(1, 2), 'E_ARG', /add\(1, 2\): give at least one tensor/);
  // accepted forms: nested, flat, typed arrays
  assert.deepEqual(p.privateVariable('bob', 'n', [[1, 2], [3, 4]], [2, 2]).shape, [2, 2]);
  assert.deepEqual(p.privateVariable('bob', 'f', Float64Array.of(1, 2, 3, 4), [4]).shape, [4]);
});

test('tensors of two programs never mix; an argmax can only be revealed', () => {
  const p = program();
  const q = program();
  const a = p.privateInput('alice', 'a', [1, 3]);
  const b = q.privateInput('alice', 'b', [1, 3]);
  throwsTfe(() => p.add(a, b), 'E_ARG', /^add\(a \[1,3\], b \[1,3\]\): b belongs to another program/);
  throwsTfe(() => q.reveal(a, 'alice', 'y'), 'E_ARG', /a belongs to another program/);
  throwsTfe(() => p.concat([a, b], 0), 'E_ARG', /b belongs to another program/);
  const l = p.argmax(a);
  throwsTfe(() => p.add(l, 1), 'E_ARG', /argmax_1 is an argmax \(an integer label\): it can only be revealed/);
  p.reveal(l, 'alice', 'label');
});

test('compile: nothing revealed, revealing what depends on no input, an unused input, options for models', async () => {
  const p = program();
  const a = p.privateInput('alice', 'a', [1, 3]);
  const w = p.privateVariable('bob', 'w', [1, 2, 3], [3]);
  await rejectsTfe(p.compile(), 'E_ARG', /program\.compile: nothing is revealed/);
  throwsTfe(() => p.reveal(p.mul(p.constant([1, 2, 3], [3]), 2), 'carol', 'c'), 'E_ARG', /depends on nothing secret, only on public constants/);
  throwsTfe(() => p.reveal(p.relu(w), 'carol', 'v'), 'E_ARG', /depends on no privateInput, only on private variables and constants: revealing it would disclose them/);
  p.reveal(p.mul(a, w), 'carol', 'y');
  p.privateInput('dave', 'unused', [2]);
  await rejectsTfe(p.compile(), 'E_ARG', /privateInput\("dave", "unused"\) is used by no revealed value/);
  const q = program();
  q.reveal(q.relu(q.privateInput('alice', 'x', [2])), 'alice', 'y');
  await rejectsTfe(q.compile({ publicWeights: true } as never), 'E_ARG', /option\(s\) publicWeights do not apply to a program/);
});
