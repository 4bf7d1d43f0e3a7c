/**
 * Converters for Keras spatial layers on NHWC tensors: Conv2D, DepthwiseConv2D, Max/Average
 * pooling, GlobalAveragePooling2D, ZeroPadding2D. TF semantics (tf.nn.convolution /
 * tf.nn.pool): SAME output ceil(n/s), VALID floor((n - d(k-1) - 1)/s) + 1; HWIO filters,
 * depthwise [kh,kw,C,M] with output channel c*M+m.
 */
import type { KerasWeightSpec } from './keras-weights.js';
import {
  applyActivation,
  biasAdd,
  checkChannelsLast,
  dim,
  int32,
  type LayerConverter,
  needRank,
  paddingAttr,
  pair,
  positiveInt,
  useBias,
  windowOut,
} from './keras-layer-context.js';

export function convLike(depthwise: boolean): LayerConverter {
  return {
    arity: 1,
    convert(ctx) {
      const x = ctx.inputs[0];
      checkChannelsLast(ctx);
      needRank(ctx, x, 4);
      const [kh, kw] = pair(ctx, 'kernel_size');
      const [sh, sw] = pair(ctx, 'strides', [1, 1]);
      const [dh, dw] = pair(ctx, 'dilation_rate', [1, 1]);
      const padding = paddingAttr(ctx);
      if ((dh > 1 || dw > 1) && (sh > 1 || sw > 1)) ctx.unsupported('dilation_rate > 1 together with strides > 1');
      const c = dim(x.shape, -1);
      let outC: number;
      let kernelSpec: KerasWeightSpec;
      if (depthwise) {
        const m = positiveInt(ctx, 'depth_multiplier');
        outC = c < 0 ? -1 : c * m;
        kernelSpec = { name: 'depthwise_kernel', aliases: ['kernel'], shape: [kh, kw, c, m] };
      } else {
        outC = positiveInt(ctx, 'filters');
        const groups = ctx.cfg.groups ?? 1;
        if (groups !== 1) ctx.unsupported(`groups=${JSON.stringify(groups)} (grouped convolution)`);
        kernelSpec = { name: 'kernel', shape: [kh, kw, c, outC] };
      }
      const [kernel, bias] = ctx.weights([kernelSpec, ...(useBias(ctx) ? [{ name: 'bias', shape: [outC] }] : [])]);
      const op = depthwise ? 'DepthwiseConv2D' : 'Conv2D';
      const k = ctx.constant(depthwise ? 'depthwise_kernel' : 'kernel', kernel);
      const id = ctx.node(op, op, [x.id, k], { strides: [1, sh, sw, 1], padding, dilations: [1, dh, dw, 1], data_format: 'NHWC' });
      const shape = x.shape === undefined ? undefined : [-1, windowOut(dim(x.shape, 1), kh, sh, dh, padding), windowOut(dim(x.shape, 2), kw, sw, dw, padding), outC];
      return applyActivation(ctx, biasAdd(ctx, { id, shape }, bias), ctx.cfg.activation);
    },
  };
}

export function pooling(op: 'MaxPool' | 'AvgPool'): LayerConverter {
  return {
    arity: 1,
    convert(ctx) {
      const x = ctx.inputs[0];
      checkChannelsLast(ctx);
      needRank(ctx, x, 4);
      const [ph, pw] = pair(ctx, 'pool_size', [2, 2]);
      const [sh, sw] = pair(ctx, 'strides', [ph, pw]);
      const padding = paddingAttr(ctx);
      const id = ctx.node(op, op, [x.id], { ksize: [1, ph, pw, 1], strides: [1, sh, sw, 1], padding, data_format: 'NHWC' });
      const shape = x.shape === undefined ? undefined : [-1, windowOut(dim(x.shape, 1), ph, sh, 1, padding), windowOut(dim(x.shape, 2), pw, sw, 1, padding), dim(x.shape, 3)];
      return { id, shape };
    },
  };
}

export const globalAveragePooling2D: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    checkChannelsLast(ctx);
    needRank(ctx, x, 4);
    const keep = ctx.cfg.keepdims === true;
    const axes = ctx.constant('Mean/reduction_indices', int32([1, 2]));
    const c = dim(x.shape, 3);
    return { id: ctx.node('Mean', 'Mean', [x.id, axes], { keep_dims: keep }), shape: keep ? [-1, 1, 1, c] : [-1, c] };
  },
};

export const zeroPadding2D: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    checkChannelsLast(ctx);
    needRank(ctx, x, 4);
    const p = ctx.cfg.padding ?? 1;
    let rows: [number, number] = [0, 0];
    let cols: [number, number] = [0, 0];
    const isPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number');
    if (typeof p === 'number') rows = cols = [p, p];
    else if (isPair(p)) [rows, cols] = [[p[0], p[0]], [p[1], p[1]]];
    else if (Array.isArray(p) && p.length === 2 && isPair(p[0]) && isPair(p[1])) [rows, cols] = [p[0], p[1]];
    else ctx.unsupported(`padding=${JSON.stringify(p)}`);
    const paddings = ctx.constant('paddings', int32([0, 0, rows[0], rows[1], cols[0], cols[1], 0, 0], [4, 2]));
    const grow = (d: number, q: [number, number]): number => (d < 0 ? -1 : d + q[0] + q[1]);
    const shape = x.shape === undefined ? undefined : [-1, grow(dim(x.shape, 1), rows), grow(dim(x.shape, 2), cols), dim(x.shape, 3)];
    return { id: ctx.node('Pad', 'Pad', [x.id, paddings]), shape };
  },
};
