/**
 * TF's audio front-end shape rules (compiler/frontend/tf-audio-shapes.ts), checked by hand
 * against tensorflow/core/ops/audio_ops.cc: frames = 1 + (samples - window) / stride,
 * bins = nextPow2(window) / 2 + 1, Mfcc keeps [channels, frames] and has dct_coefficient_count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioOpShape } from '../../compiler/frontend/tf-audio-shapes.js';
import type { NodeDefMsg } from '../../compiler/frontend/proto/tf-proto.js';

const ints = (o: Record<string, number>): NodeDefMsg['attr'] => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { i: String(v) }]));

test('DecodeWav, AudioSpectrogram and Mfcc shapes follow TF', () => {
  const wav: NodeDefMsg = { name: 'w', op: 'DecodeWav', attr: ints({ desired_samples: 16000, desired_channels: 1 }) };
  assert.deepEqual(audioOpShape(wav, [[]]), [16000, 1]);
  assert.deepEqual(audioOpShape({ name: 'w', op: 'DecodeWav' }, [[]]), [-1, -1]);
  const spec: NodeDefMsg = { name: 's', op: 'AudioSpectrogram', attr: ints({ window_size: 480, stride: 160 }) };
  // 1 + (16000 - 480) / 160 = 98 frames (floor); 480 -> FFT 512 -> 257 bins.
  assert.deepEqual(audioOpShape(spec, [[16000, 2]]), [2, 98, 257]);
  assert.deepEqual(audioOpShape(spec, [[100, 1]]), [1, 0, 257]);
  assert.deepEqual(audioOpShape(spec, [[-1, 1]]), [1, -1, 257]);
  assert.equal(audioOpShape(spec, [undefined]), undefined);
  const mfcc: NodeDefMsg = { name: 'm', op: 'Mfcc', attr: ints({ dct_coefficient_count: 40 }) };
  assert.deepEqual(audioOpShape(mfcc, [[2, 98, 257], [1]]), [2, 98, 40]);
  assert.deepEqual(audioOpShape({ name: 'm', op: 'Mfcc' }, [[1, 49, 257]]), [1, 49, 13]);
  assert.equal(audioOpShape({ name: 'r', op: 'Relu' }, [[1]]), undefined);
});
