/**
 * TensorProto decoding (tensor.proto): tensor_content for each dtype, the typed
 * value fields with TF's "fewer values repeat the last one" rule, exact int64,
 * half floats, strings, and E_FORMAT on inconsistent sizes; plus the round trip
 * through tensorToProto.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensorToProto } from '../../compiler/frontend/tf-tensor-encode.js';
import { tensorFromProto } from '../../compiler/frontend/tf-tensor.js';
import type { TensorData } from '../../src/ir/node.js';
import { tfeError } from './helpers.js';

const shape = (...d: number[]): { dim: { size: string }[] } => ({ dim: d.map((x) => ({ size: String(x) })) });

describe('tensorFromProto', () => {
  it('reads little-endian tensor_content for float32, float64, int32, int64, bool', () => {
    const f32 = new Float32Array([1.5, -2.25, 3e-8]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 1, tensorShape: shape(3), tensorContent: new Uint8Array(f32.buffer) }, 't').values as Float64Array), Array.from(f32));
    const f64 = new Float64Array([Math.PI, -1e300]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 2, tensorShape: shape(2), tensorContent: new Uint8Array(f64.buffer) }, 't').values as Float64Array), Array.from(f64));
    const i32 = new Int32Array([-7, 2 ** 31 - 1]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 3, tensorShape: shape(2), tensorContent: new Uint8Array(i32.buffer) }, 't').values as Int32Array), [-7, 2 ** 31 - 1]);
    const i64 = new BigInt64Array([2n ** 62n + 1n, -5n]);
    const t64 = tensorFromProto({ dtype: 9, tensorShape: shape(2), tensorContent: new Uint8Array(i64.buffer) }, 't');
    assert.equal(t64.dtype, 'int64');
    assert.deepEqual(Array.from(t64.values as BigInt64Array), [2n ** 62n + 1n, -5n]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 10, tensorShape: shape(3), tensorContent: Uint8Array.of(0, 1, 2) }, 't').values as Uint8Array), [0, 1, 1]);
  });

  it('broadcasts one typed value to the shape, repeats the last of fewer, zero-fills none', () => {
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 1, tensorShape: shape(2, 3), floatVal: [2.5] }, 't').values as Float64Array), [2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 3, tensorShape: shape(4), intVal: [1, 2] }, 't').values as Int32Array), [1, 2, 2, 2]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 2, tensorShape: shape(2) }, 't').values as Float64Array), [0, 0]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 9, tensorShape: shape(2), int64Val: ['9007199254740993'] }, 't').values as BigInt64Array), [9007199254740993n, 9007199254740993n]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 10, tensorShape: shape(2), boolVal: [true] }, 't').values as Uint8Array), [1, 1]);
    assert.deepEqual(Array.from(tensorFromProto({ dtype: 19, tensorShape: shape(3), halfVal: [0x3c00, 0xc100, 0x0001] }, 't').values as Float64Array), [1, -2.5, 2 ** -24]);
    assert.deepEqual(tensorFromProto({ dtype: 7, tensorShape: shape(2), stringVal: [new TextEncoder().encode('yes')] }, 't').values, ['yes', 'yes']);
    assert.deepEqual(tensorFromProto({ dtype: 1, floatVal: [4] }, 't').shape, []);
  });

  it('rejects inconsistent sizes and unsupported types with E_FORMAT / E_UNSUPPORTED naming the tensor', () => {
    assert.throws(() => tensorFromProto({ dtype: 1, tensorShape: shape(3), tensorContent: new Uint8Array(8) }, "node 'w'"), tfeError('E_FORMAT', /node 'w'/, /8 bytes of data for 3 elements/));
    assert.throws(() => tensorFromProto({ dtype: 1, tensorShape: shape(1), floatVal: [1, 2] }, "node 'w'"), tfeError('E_FORMAT', /2 values for a tensor of 1/));
    assert.throws(() => tensorFromProto({ dtype: 1, tensorShape: shape(-1) }, "node 'w'"), tfeError('E_FORMAT', /unknown dimension/));
    assert.throws(() => tensorFromProto({ dtype: 8, tensorShape: shape(1) }, "node 'c'"), tfeError('E_UNSUPPORTED', /node 'c'/, /DT_COMPLEX64/));
  });

  it('round-trips through tensorToProto exactly', () => {
    const cases: TensorData[] = [
      { dtype: 'float32', shape: [2], values: Float64Array.of(Math.fround(0.1), -3) },
      { dtype: 'float64', shape: [1, 2], values: Float64Array.of(0.1, 1e-300) },
      { dtype: 'int32', shape: [3], values: Int32Array.of(1, -2, 3) },
      { dtype: 'int64', shape: [1], values: BigInt64Array.of(-(2n ** 63n)) },
      { dtype: 'bool', shape: [2], values: Uint8Array.of(1, 0) },
      { dtype: 'string', shape: [2], values: ['a', 'ünï'] },
    ];
    for (const t of cases) assert.deepEqual(tensorFromProto(tensorToProto(t), 't'), t);
  });
});
