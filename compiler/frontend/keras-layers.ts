/**
 * Keras layers -> the TensorFlow-level IR ops they compute, one converter object per layer
 * class in a registry (KERAS_LAYERS). Semantics follow the Keras layer docs (keras.io/api/
 * layers) and the TF ops Keras itself calls (tf.keras 2.x: Dense -> MatMul + BiasAdd (on a
 * rank-3/4 input: a 1x1 Conv2D, the same contraction, keeping the batch the one symbolic dim),
 * Conv2D -> Conv2D + BiasAdd, BatchNormalization at inference -> FusedBatchNorm with the
 * moving statistics, Flatten -> Reshape to [-1, prod] (row-major, channels last), ...).
 *
 * A converter computes the Keras output shape as it goes (-1 for the batch or an unknown
 * size; undefined when an earlier layer was unsupported) because weight shapes, Flatten
 * and Reshape need it; the IR node shapes themselves are left to shape inference. A
 * converter reports an unsupported argument with `ctx.unsupported(...)` and carries on, so
 * that every problem in a model is reported in one error.
 */
import type { Attrs, TensorData } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';
import { isObject, type JsonObject, type KerasLayer } from './keras-model.js';
import type { KerasWeightSpec } from './keras-weights.js';

/** A Keras tensor during conversion: the IR node producing it and its Keras shape. */
export interface KTensor {
  readonly id: string;
  readonly shape: readonly number[] | undefined;
}

export interface LayerContext {
  readonly layer: KerasLayer;
  readonly cfg: JsonObject;
  readonly inputs: readonly KTensor[];
  /** Adds a node `<layer>/<suffix>` (made unique) and returns its id. */
  node(suffix: string, op: Op, inputs: readonly string[], attrs?: Attrs): string;
  /** Adds a Const node `<layer>/<suffix>` holding `data` and returns its id. */
  constant(suffix: string, data: TensorData): string;
  /** The layer's weights in `specs` order (throws E_FORMAT on a mismatch with the file). */
  weights(specs: readonly KerasWeightSpec[]): TensorData[];
  /** Records an unsupported argument or feature of this layer. */
  unsupported(what: string): void;
}

export interface LayerConverter {
  /** Number of inputs per call: exact, or 'many' for merge layers (at least 2). */
  readonly arity: 1 | 'many';
  convert(ctx: LayerContext): KTensor;
}

// ---- small helpers -------------------------------------------------------------------

function int32(values: readonly number[], shape: readonly number[] = [values.length]): TensorData {
  return { dtype: 'int32', shape, values: Int32Array.from(values) };
}

function f64(values: ArrayLike<number>, shape: readonly number[]): TensorData {
  return { dtype: 'float32', shape, values: Float64Array.from(values) };
}

function pair(ctx: LayerContext, key: string, dflt?: [number, number]): [number, number] {
  const v = ctx.cfg[key];
  if ((v === undefined || v === null) && dflt) return dflt;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  ctx.unsupported(`${key}=${JSON.stringify(v)}`);
  return dflt ?? [1, 1];
}

function positiveInt(ctx: LayerContext, key: string): number {
  const v = ctx.cfg[key];
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  ctx.unsupported(`${key}=${JSON.stringify(v)}`);
  return 1;
}

function checkChannelsLast(ctx: LayerContext): void {
  const f = ctx.cfg.data_format;
  if (f !== undefined && f !== null && f !== 'channels_last') ctx.unsupported(`data_format '${String(f)}' (only channels_last)`);
}

function paddingAttr(ctx: LayerContext): 'SAME' | 'VALID' {
  const p = ctx.cfg.padding ?? 'valid';
  if (p === 'same') return 'SAME';
  if (p !== 'valid') ctx.unsupported(`padding '${String(p)}'`);
  return 'VALID';
}

/** Output size of a window op along one axis (TF: VALID floor((n-eff)/s)+1, SAME ceil(n/s)). */
function windowOut(n: number, k: number, s: number, d: number, pad: 'SAME' | 'VALID'): number {
  if (n < 0) return -1;
  if (pad === 'SAME') return Math.ceil(n / s);
  return Math.floor((n - (d * (k - 1) + 1)) / s) + 1;
}

function dim(shape: readonly number[] | undefined, axis: number): number {
  if (shape === undefined) return -1;
  const a = axis < 0 ? shape.length + axis : axis;
  return shape[a] ?? -1;
}

function needRank(ctx: LayerContext, x: KTensor, rank: number): void {
  if (x.shape !== undefined && x.shape.length !== rank) ctx.unsupported(`input of rank ${x.shape.length} (expected ${rank})`);
}

function useBias(ctx: LayerContext): boolean {
  return ctx.cfg.use_bias !== false;
}

const ACTIVATION_OPS: Readonly<Record<string, Op | null>> = {
  linear: null,
  relu: 'Relu',
  relu6: 'Relu6',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  softmax: 'Softmax',
};

/** Applies a Keras activation given by name (a string, or Keras 3's serialised function object). */
export function applyActivation(ctx: LayerContext, x: KTensor, act: unknown): KTensor {
  if (act === undefined || act === null) return x;
  const name = typeof act === 'string' ? act : isObject(act) && typeof act.config === 'string' ? act.config : undefined;
  if (name === undefined || !(name in ACTIVATION_OPS)) {
    ctx.unsupported(`activation ${JSON.stringify(name ?? act)} (supported: ${Object.keys(ACTIVATION_OPS).join(', ')})`);
    return x;
  }
  const op = ACTIVATION_OPS[name];
  if (op === null) return x;
  if (op === 'Softmax' && x.shape !== undefined && x.shape.length < 2) ctx.unsupported('softmax of a rank-1 tensor');
  return { id: ctx.node(op, op, [x.id]), shape: x.shape };
}

function biasAdd(ctx: LayerContext, x: KTensor, bias: TensorData | undefined): KTensor {
  if (bias === undefined) return x;
  const b = ctx.constant('bias', bias);
  return { id: ctx.node('BiasAdd', 'BiasAdd', [x.id, b]), shape: x.shape };
}

function reshape(ctx: LayerContext, suffix: string, x: KTensor, target: readonly number[]): KTensor {
  const s = ctx.constant(`${suffix}/shape`, int32(target));
  return { id: ctx.node(suffix, 'Reshape', [x.id, s]), shape: target };
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

// ---- converters ----------------------------------------------------------------------

const dense: LayerConverter = {
  arity: 1,
  convert(ctx) {
    const x = ctx.inputs[0];
    const units = positiveInt(ctx, 'units');
    if (ctx.cfg.lora_rank !== undefined && ctx.cfg.lora_rank !== null) ctx.unsupported('lora_rank (LoRA-enabled Dense)');
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

function convLike(depthwise: boolean): LayerConverter {
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
        if (ctx.cfg.lora_rank !== undefined && ctx.cfg.lora_rank !== null) ctx.unsupported('lora_rank (LoRA-enabled convolution)');
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

function pooling(op: 'MaxPool' | 'AvgPool'): LayerConverter {
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

const globalAveragePooling2D: LayerConverter = {
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

const flatten: LayerConverter = {
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

const reshapeLayer: LayerConverter = {
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
const identity: LayerConverter = {
  arity: 1,
  convert(ctx) {
    return ctx.inputs[0];
  },
};

function normalizeAxis(axis: number, rank: number | undefined): number {
  return axis < 0 && rank !== undefined ? axis + rank : axis;
}

const batchNormalization: LayerConverter = {
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

const activationLayer: LayerConverter = {
  arity: 1,
  convert(ctx) {
    return applyActivation(ctx, ctx.inputs[0], ctx.cfg.activation);
  },
};

const reluLayer: LayerConverter = {
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

const softmaxLayer: LayerConverter = {
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

const addLayer: LayerConverter = {
  arity: 'many',
  convert(ctx) {
    let acc = ctx.inputs[0];
    for (let i = 1; i < ctx.inputs.length; i++) {
      acc = { id: ctx.node(i === 1 ? 'Add' : `Add_${i - 1}`, 'Add', [acc.id, ctx.inputs[i].id]), shape: acc.shape ?? ctx.inputs[i].shape };
    }
    return acc;
  },
};

const concatenate: LayerConverter = {
  arity: 'many',
  convert(ctx) {
    const raw = ctx.cfg.axis ?? -1;
    const shapes = ctx.inputs.map((t) => t.shape);
    const rank = shapes.find((s) => s !== undefined)?.length;
    if (typeof raw !== 'number') {
      ctx.unsupported(`axis=${JSON.stringify(raw)}`);
      return { id: ctx.inputs[0].id, shape: undefined };
    }
    const axis = normalizeAxis(raw, rank);
    if (axis < 0) ctx.unsupported(`axis=${raw} on inputs of unknown rank`);
    if (axis === 0) ctx.unsupported('axis=0 (the batch axis)');
    const a = ctx.constant('axis', int32([axis], []));
    let shape: number[] | undefined;
    if (shapes.every((s) => s !== undefined)) {
      shape = [...(shapes[0] as readonly number[])];
      shape[axis] = shapes.some((s) => (s as readonly number[])[axis] < 0) ? -1 : shapes.reduce((sum, s) => sum + (s as readonly number[])[axis], 0);
    }
    return { id: ctx.node('concat', 'Concat', [...ctx.inputs.map((t) => t.id), a]), shape };
  },
};

const zeroPadding2D: LayerConverter = {
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

const rescaling: LayerConverter = {
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

/** The supported Keras layer classes (InputLayer is handled by the graph builder). */
export const KERAS_LAYERS: Readonly<Record<string, LayerConverter>> = {
  Dense: dense,
  Conv2D: convLike(false),
  DepthwiseConv2D: convLike(true),
  MaxPooling2D: pooling('MaxPool'),
  MaxPool2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AvgPool'),
  AvgPool2D: pooling('AvgPool'),
  GlobalAveragePooling2D: globalAveragePooling2D,
  GlobalAvgPool2D: globalAveragePooling2D,
  Flatten: flatten,
  Reshape: reshapeLayer,
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  BatchNormalization: batchNormalization,
  Activation: activationLayer,
  ReLU: reluLayer,
  Softmax: softmaxLayer,
  Add: addLayer,
  Concatenate: concatenate,
  ZeroPadding2D: zeroPadding2D,
  Rescaling: rescaling,
};
