/**
 * Converters for Keras core layers: Dense, Flatten, Reshape, the inference-time identities
 * (Dropout and noise layers), BatchNormalization, Activation, ReLU, Softmax, Rescaling.
 * Semantics: the Keras layer docs (keras.io/api/layers) and the TF ops tf.keras 2.x calls
 * (Dense -> MatMul + BiasAdd; BatchNormalization at inference -> FusedBatchNorm with the
 * moving statistics; Flatten -> Reshape to [-1, prod], row-major, channels last).
 */
import type { KerasWeightSpec } from './keras-weights.js';
import {
  applyActivation,
  biasAdd,
  checkChannelsLast,
  dim,
  f64,
  int32,
  type KTensor,
  type LayerConverter,
  normalizeAxis,
  positiveInt,
  product,
  reshape,
  useBias,
} from './keras-layer-context.js';

export const dense: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    const units = positiveInt(ctx, 'units');
    const inF = dim(x.shape, -1);
    const [kernel, bias] = ctx.weights([{ name: 'kernel', shape: [inF, units] }, ...(useBias(ctx) ? [{ name: 'bias', shape: [units] }] : [])]);
    const rank = x.shape?.length ?? 2;
    let y: KTensor;
    if (rank === 2) {
      const k = ctx.constant('kernel', kernel);
      y = { id: ctx.node('MatMul', 'MatMul', [x.id, k], { transpose_a: false, transpose_b: false }), shape: [-1, units] };
    } else if (rank === 3 || rank === 4) {
      // Dense on rank 3/4 contracts the last axis: a 1x1 Conv2D with the kernel as [1,1,in,units]
      // (same values, row-major), so the batch stays the only symbolic dimension (no Reshape
      // that folds it into another axis). Rank 3 goes through ExpandDims/Squeeze on axis 1.
      const shape = x.shape as readonly number[];
      const k = ctx.constant('kernel', { ...kernel, shape: [1, 1, ...kernel.shape] });
      const x4 = rank === 4 ? x : { id: ctx.node('ExpandDims', 'ExpandDims', [x.id, ctx.constant('ExpandDims/dim', int32([1], []))]), shape: [-1, 1, ...shape.slice(1)] };
      const conv = ctx.node('Conv2D', 'Conv2D', [x4.id, k], { strides: [1, 1, 1, 1], padding: 'VALID', dilations: [1, 1, 1, 1], data_format: 'NHWC' });
      y = rank === 4 ? { id: conv, shape: [...shape.slice(0, -1), units] } : { id: ctx.node('Squeeze', 'Squeeze', [conv], { squeeze_dims: [1] }), shape: [...shape.slice(0, -1), units] };
    } else {
      ctx.unsupported(`input of rank ${rank} (supported: 2, 3, 4)`);
      y = { id: x.id, shape: undefined };
    }
    y = biasAdd(ctx, y, bias);
    return applyActivation(ctx, y, ctx.cfg.activation);
  },
};

export const flatten: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    checkChannelsLast(ctx);
    if (x.shape === undefined) return { id: x.id, shape: undefined };
    const inner = x.shape.slice(1);
    if (inner.some((d) => d < 0)) ctx.unsupported(`input with unknown dimensions [${x.shape.join(',')}]`);
    return reshape(ctx, 'Reshape', x, [-1, product(inner)]);
  },
};

export const reshapeLayer: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    const t = ctx.cfg.target_shape;
    if (!Array.isArray(t) || !t.every((d) => typeof d === 'number')) {
      ctx.unsupported(`target_shape=${JSON.stringify(t)}`);
      return { id: x.id, shape: undefined };
    }
    const target = [...(t as number[])];
    const unknown = target.filter((d) => d === -1).length;
    if (unknown > 0) {
      // The batch is already the one -1 TF allows, so resolve Keras' -1 from the input size.
      const inner = x.shape?.slice(1);
      const known = product(target.filter((d) => d !== -1));
      if (unknown > 1 || inner === undefined || inner.some((d) => d < 0) || known === 0 || product(inner) % known !== 0) {
        if (x.shape !== undefined) ctx.unsupported(`target_shape ${JSON.stringify(t)} that cannot be resolved from input shape [${x.shape.join(',')}]`);
        return { id: x.id, shape: undefined };
      }
      target[target.indexOf(-1)] = product(inner) / known;
    }
    return reshape(ctx, 'Reshape', x, [-1, ...target]);
  },
};

/** Layers that are the identity at inference (dropout and noise only act while training). */
export const identity: LayerConverter = {
  arity: 1,
  convert(ctx) {
    return ctx.inputs[0];
  },
};

export const batchNormalization: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    const rank = x.shape?.length;
    let axis = ctx.cfg.axis ?? -1;
    if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
    if (typeof axis !== 'number') ctx.unsupported(`axis=${JSON.stringify(axis)}`);
    else if (rank !== undefined && normalizeAxis(axis, rank) !== rank - 1) ctx.unsupported(`axis=${axis} (only the last, channel axis)`);
    if (ctx.cfg.renorm === true) ctx.unsupported('renorm=true');
    const eps = typeof ctx.cfg.epsilon === 'number' ? ctx.cfg.epsilon : 1e-3;
    const scale = ctx.cfg.scale !== false;
    const center = ctx.cfg.center !== false;
    const c = dim(x.shape, -1);
    const specs: KerasWeightSpec[] = [];
    if (scale) specs.push({ name: 'gamma', shape: [c] });
    if (center) specs.push({ name: 'beta', shape: [c] });
    specs.push({ name: 'moving_mean', shape: [c] }, { name: 'moving_variance', shape: [c] });
    const w = ctx.weights(specs);
    const mean = w[w.length - 2];
    const variance = w[w.length - 1];
    const n = mean.values.length;
    const gamma = scale ? w[0] : f64(new Float64Array(n).fill(1), [n]);
    const beta = center ? w[scale ? 1 : 0] : f64(new Float64Array(n), [n]);
    if (rank === 4) {
      const ids = [ctx.constant('gamma', gamma), ctx.constant('beta', beta), ctx.constant('moving_mean', mean), ctx.constant('moving_variance', variance)];
      return { id: ctx.node('FusedBatchNorm', 'FusedBatchNorm', [x.id, ...ids], { epsilon: eps }), shape: x.shape };
    }
    // Not 4-D: y = x * m + a with m = gamma / sqrt(var + eps), a = beta - mean * m (float64).
    const g = gamma.values as Float64Array;
    const b = beta.values as Float64Array;
    const mu = mean.values as Float64Array;
    const v = variance.values as Float64Array;
    const m = new Float64Array(n);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      m[i] = g[i] / Math.sqrt(v[i] + eps);
      a[i] = b[i] - mu[i] * m[i];
    }
    const mul = ctx.node('mul', 'Mul', [x.id, ctx.constant('mul/multiplier', f64(m, [n]))]);
    return { id: ctx.node('add', 'Add', [mul, ctx.constant('add/offset', f64(a, [n]))]), shape: x.shape };
  },
};

export const activationLayer: LayerConverter = {
  arity: 1,
  convert(ctx) {
    return applyActivation(ctx, ctx.inputs[0], ctx.cfg.activation);
  },
};

export const reluLayer: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    const max = ctx.cfg.max_value ?? null;
    const slope = ctx.cfg.negative_slope ?? 0;
    const threshold = ctx.cfg.threshold ?? 0;
    if (slope !== 0) ctx.unsupported(`negative_slope=${JSON.stringify(slope)}`);
    if (threshold !== 0) ctx.unsupported(`threshold=${JSON.stringify(threshold)}`);
    if (max !== null && max !== 6) ctx.unsupported(`max_value=${JSON.stringify(max)} (only none or 6)`);
    const op = max === 6 ? 'Relu6' : 'Relu';
    return { id: ctx.node(op, op, [x.id]), shape: x.shape };
  },
};

export const softmaxLayer: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    let axis = ctx.cfg.axis ?? -1;
    if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
    const rank = x.shape?.length;
    if (typeof axis !== 'number' || (rank !== undefined && normalizeAxis(axis, rank) !== rank - 1) || (rank === undefined && axis !== -1)) {
      ctx.unsupported(`axis=${JSON.stringify(axis)} (only the last axis)`);
    }
    return { id: ctx.node('Softmax', 'Softmax', [x.id]), shape: x.shape };
  },
};

export const rescaling: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    const { scale, offset } = ctx.cfg;
    if (typeof scale !== 'number') ctx.unsupported(`scale=${JSON.stringify(scale)} (only a scalar)`);
    if (offset !== undefined && typeof offset !== 'number') ctx.unsupported(`offset=${JSON.stringify(offset)} (only a scalar)`);
    let y: KTensor = { id: ctx.node('mul', 'Mul', [x.id, ctx.constant('scale', f64([Number(scale)], []))]), shape: x.shape };
    if (typeof offset === 'number' && offset !== 0) y = { id: ctx.node('add', 'Add', [y.id, ctx.constant('offset', f64([offset], []))]), shape: x.shape };
    return y;
  },
};
