/**
 * Output shapes of the TensorFlow audio front-end ops that the secure runtime cannot run
 * (DecodeWav, AudioSpectrogram, Mfcc), so that an unsupported-op error can name the REAL
 * shape of the tensor at the suggested cut (`--input Mfcc=1x49x10`) when the exporter
 * did not record `_output_shapes`. The rules follow TF's op registrations
 * (tensorflow/core/ops/audio_ops.cc): DecodeWav -> [desired_samples, desired_channels];
 * AudioSpectrogram [samples, channels] -> [channels, 1 + (samples - window) / stride,
 * nextPow2(window) / 2 + 1] (0 frames when samples < window); Mfcc(spectrogram
 * [c, frames, bins]) -> [c, frames, dct_coefficient_count]. -1 stands for an unknown size.
 */
import type { NodeDefMsg } from './proto/tf-proto.js';
import { attrInt } from './tf-attrs.js';

/** The smallest power of two >= n (n >= 1). */
function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The shape of output 0 of `n` given its operands' shapes (undefined when unknown), or
 * undefined when `n` is not one of these ops or its shape cannot be derived.
 */
export function audioOpShape(n: NodeDefMsg, operands: readonly (readonly number[] | undefined)[]): number[] | undefined {
  switch (n.op) {
    case 'DecodeWav': {
      const samples = attrInt(n, 'desired_samples', -1);
      const channels = attrInt(n, 'desired_channels', -1);
      return [samples > 0 ? samples : -1, channels > 0 ? channels : -1];
    }
    case 'AudioSpectrogram': {
      const x = operands[0];
      if (x === undefined || x.length !== 2) return undefined;
      const window = attrInt(n, 'window_size', 0);
      const stride = attrInt(n, 'stride', 0);
      if (window < 1 || stride < 1) return undefined;
      const frames = x[0] < 0 ? -1 : x[0] < window ? 0 : 1 + Math.floor((x[0] - window) / stride);
      return [x[1], frames, nextPow2(window) / 2 + 1];
    }
    case 'Mfcc': {
      const s = operands[0];
      if (s === undefined || s.length !== 3) return undefined;
      return [s[0], s[1], attrInt(n, 'dct_coefficient_count', 13)];
    }
    default:
      return undefined;
  }
}
