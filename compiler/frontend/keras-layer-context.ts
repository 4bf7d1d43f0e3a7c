/**
 * The contract between the Keras graph builder (keras-config.ts) and the per-layer
 * converters (keras-layers-*.ts), and the helpers the converters share: config readers
 * that report bad values as unsupported, TF window-size arithmetic, activations, BiasAdd.
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

/** An int32 constant (shapes, axes, paddings). */
export function int32(values: readonly number[], shape: readonly number[] = [values.length]): TensorData {
  return { dtype: 'int32', shape, values: Int32Array.from(values) };
}

/** A float constant computed here (held as float64, typed float32 like the weights). */
export function f64(values: ArrayLike<number>, shape: readonly number[]): TensorData {
  return { dtype: 'float32', shape, values: Float64Array.from(values) };
}

/** A Keras int-or-pair argument (kernel_size, strides, ...) as [h, w]; anything else is unsupported. */
export function pair(ctx: LayerContext, key: string, dflt?: [number, number]): [number, number] {
  const v = ctx.cfg[key];
  if ((v === undefined || v === null) && dflt) return dflt;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  ctx.unsupported(`${key}=${JSON.stringify(v)}`);
  return dflt ?? [1, 1];
}

/** A positive integer argument (units, filters, ...); anything else is unsupported. */
export function positiveInt(ctx: LayerContext, key: string): number {
  const v = ctx.cfg[key];
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  ctx.unsupported(`${key}=${JSON.stringify(v)}`);
  return 1;
}

/** Reports `data_format` other than channels_last (the IR is NHWC only). */
export function checkChannelsLast(ctx: LayerContext): void {
  const f = ctx.cfg.data_format;
  if (f !== undefined && f !== null && f !== 'channels_last') ctx.unsupported(`data_format '${String(f)}' (only channels_last)`);
}

/** Keras `padding` 'valid'|'same' as TF's 'VALID'|'SAME' ('causal' and others are unsupported). */
export function paddingAttr(ctx: LayerContext): 'SAME' | 'VALID' {
  const p = ctx.cfg.padding ?? 'valid';
  if (p === 'same') return 'SAME';
  if (p !== 'valid') ctx.unsupported(`padding '${String(p)}'`);
  return 'VALID';
}

/** Output size of a window op along one axis (TF: VALID floor((n-eff)/s)+1, SAME ceil(n/s)). */
export function windowOut(n: number, k: number, s: number, d: number, pad: 'SAME' | 'VALID'): number {
  if (n < 0) return -1;
  if (pad === 'SAME') return Math.ceil(n / s);
  return Math.floor((n - (d * (k - 1) + 1)) / s) + 1;
}

/** Size of `axis` (negative: from the end) in a Keras shape, -1 when unknown. */
export function dim(shape: readonly number[] | undefined, axis: number): number {
  if (shape === undefined) return -1;
  const a = axis < 0 ? shape.length + axis : axis;
  return shape[a] ?? -1;
}

/** Reports an input of another rank than the layer handles. */
export function needRank(ctx: LayerContext, x: KTensor, rank: number): void {
  if (x.shape !== undefined && x.shape.length !== rank) ctx.unsupported(`input of rank ${x.shape.length} (expected ${rank})`);
}

/** Keras `use_bias` (default true). */
export function useBias(ctx: LayerContext): boolean {
  return ctx.cfg.use_bias !== false;
}

/** Keras activation names -> IR op (null: identity). */
export const ACTIVATION_OPS: Readonly<Record<string, Op | null>> = {
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

/** BiasAdd with the layer's bias constant, or `x` itself when the layer has no bias. */
export function biasAdd(ctx: LayerContext, x: KTensor, bias: TensorData | undefined): KTensor {
  if (bias === undefined) return x;
  const b = ctx.constant('bias', bias);
  return { id: ctx.node('BiasAdd', 'BiasAdd', [x.id, b]), shape: x.shape };
}

/** Reshape to `target` (a Const int32 shape, -1 for the batch). */
export function reshape(ctx: LayerContext, suffix: string, x: KTensor, target: readonly number[]): KTensor {
  const s = ctx.constant(`${suffix}/shape`, int32(target));
  return { id: ctx.node(suffix, 'Reshape', [x.id, s]), shape: target };
}

/** Product of sizes (1 for an empty list). */
export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A negative axis counted from the end, given the rank (unchanged when the rank is unknown). */
export function normalizeAxis(axis: number, rank: number | undefined): number {
  return axis < 0 && rank !== undefined ? axis + rank : axis;
}
