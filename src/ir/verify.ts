/**
 * The IR verifier, run on every graph a frontend returns and after every pass.
 * Rules (each failure is a TfeError E_IR naming the node and the rule):
 * - `unique-id`: node ids are unique.
 * - `operand-exists` / `operand-order`: every operand is a node that precedes its consumer.
 * - `known-op`: the op is in the vocabulary (`ops.ts`).
 * - `arity`: the operand count is within the op's bounds (`op-specs.ts`).
 * - `attrs`: required attributes are present, and every known attribute has its kind;
 *   padding is 'SAME'|'VALID'; strides/ksize/dilations are [h,w] or [1,h,w,1] with
 *   positive h, w; data_format is NHWC. (Conventions: see `op-specs.ts`.)
 * - `dtype`: a known dtype; a Const's dtype and shape match its value; 'same' ops have
 *   operands of their dtype; index ops are int32/int64.
 * - `graph-io`: graph inputs are Placeholder nodes; graph outputs are nodes.
 * At stage 'shaped' (after shape inference) also:
 * - `shape-present`: every node has a shape.
 * - `shape-consistent`: the shape equals what the op's shape rule gives for its operands.
 * - `const-operand`: shape-like operands (axes, target shapes, paddings...) are Const.
 */
import { TfeError } from '../errors.js';
import type { IrGraph, IrNode } from './node.js';
import { ALL_DTYPES, type AttrKind, constInputPositions, dataInputPositions, INDEX_DTYPES, OP_SPECS, spatialPair } from './op-specs.js';
import { isOp } from './ops.js';
import { fmtShape, inferShape } from './shape-rules.js';
import { numElements } from './tensor-data.js';

/** 'loaded': as a frontend returns it (shapes optional); 'shaped': after shape inference. */
export type VerifyStage = 'loaded' | 'shaped';

function broken(g: IrGraph, stage: string, n: IrNode | undefined, rule: string, msg: string): never {
  const where = n ? `node "${n.id}" (${n.op})` : 'graph';
  throw new TfeError('E_IR', `IR check failed after ${stage} in ${g.source.path}: ${where} breaks rule ${rule}: ${msg}`);
}

function kindOf(v: unknown): AttrKind | 'list' | 'unknown' {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number') ? 'ints' : 'list';
  if (typeof v === 'object' && v !== null && 'values' in v && 'dtype' in v && 'shape' in v) return 'tensor';
  return 'unknown';
}

function kindOk(want: AttrKind, got: ReturnType<typeof kindOf>): boolean {
  return want === got || (want === 'float' && got === 'int');
}

function checkAttrs(g: IrGraph, stage: string, n: IrNode): void {
  const spec = OP_SPECS[n.op];
  for (const [name, kind] of Object.entries(spec.requiredAttrs)) {
    if (n.attrs[name] === undefined) broken(g, stage, n, 'attrs', `missing required attribute ${name} (${kind})`);
  }
  for (const [name, kind] of [...Object.entries(spec.requiredAttrs), ...Object.entries(spec.optionalAttrs)]) {
    const v = n.attrs[name];
    if (v !== undefined && !kindOk(kind, kindOf(v))) broken(g, stage, n, 'attrs', `attribute ${name} must be ${kind}, got ${JSON.stringify(v)}`);
  }
  const pad = n.attrs.padding;
  if (pad !== undefined && pad !== 'SAME' && pad !== 'VALID') broken(g, stage, n, 'attrs', `padding must be SAME or VALID, got ${String(pad)}`);
  for (const name of ['strides', 'ksize', 'dilations']) {
    const v = n.attrs[name];
    if (v === undefined || !['Conv2D', 'DepthwiseConv2D', 'MaxPool', 'AvgPool'].includes(n.op)) continue;
    if (!spatialPair(v, undefined)) {
      broken(g, stage, n, 'attrs', `${name} must be [h,w] or [1,h,w,1] with positive h, w (NHWC), got ${JSON.stringify(v)}`);
    }
  }
  const df = n.attrs.data_format;
  if (df !== undefined && df !== 'NHWC') broken(g, stage, n, 'attrs', `data_format must be NHWC, got ${String(df)}`);
}

function checkDtypes(g: IrGraph, stage: string, n: IrNode, byId: Map<string, IrNode>): void {
  if (!ALL_DTYPES.includes(n.dtype)) broken(g, stage, n, 'dtype', `unknown dtype ${String(n.dtype)}`);
  const spec = OP_SPECS[n.op];
  if (n.op === 'Const') {
    const v = n.attrs.value;
    if (kindOf(v) !== 'tensor') return; // reported by the attrs rule
    const t = v as { dtype: string; shape: readonly number[]; values: { length: number } };
    if (t.dtype !== n.dtype) broken(g, stage, n, 'dtype', `node dtype ${n.dtype} differs from its value's ${t.dtype}`);
    if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) broken(g, stage, n, 'dtype', `value shape ${fmtShape(t.shape)} is not static`);
    if (t.values.length !== numElements(t.shape)) {
      broken(g, stage, n, 'dtype', `value has ${t.values.length} elements, its shape ${fmtShape(t.shape)} needs ${numElements(t.shape)}`);
    }
    if (n.shape && fmtShape(n.shape) !== fmtShape(t.shape)) broken(g, stage, n, 'shape-consistent', `shape ${fmtShape(n.shape)} differs from its value's ${fmtShape(t.shape)}`);
    return;
  }
  if (spec.dtype === 'index' && !INDEX_DTYPES.includes(n.dtype)) broken(g, stage, n, 'dtype', `must be int32 or int64, got ${n.dtype}`);
  if (spec.dtype === 'same') {
    for (const i of dataInputPositions(spec, n.inputs.length)) {
      const d = byId.get(n.inputs[i]);
      if (d && d.dtype !== n.dtype) broken(g, stage, n, 'dtype', `operand ${i} "${d.id}" is ${d.dtype}, the node is ${n.dtype}`);
    }
  }
}

/**
 * Checks `g` against every rule above; throws E_IR naming the first broken one.
 * `label` says where in the pipeline the check runs (for the message).
 */
export function verifyGraph(g: IrGraph, stage: VerifyStage, label: string = stage): void {
  const requireShapes = stage === 'shaped';
  const byId = new Map<string, IrNode>();
  for (const n of g.nodes) {
    if (byId.has(n.id)) broken(g, label, n, 'unique-id', `id "${n.id}" is used by more than one node`);
    if (!isOp(n.op)) broken(g, label, n, 'known-op', `op "${String(n.op)}" is not in the IR vocabulary`);
    const spec = OP_SPECS[n.op];
    if (n.inputs.length < spec.minInputs || n.inputs.length > spec.maxInputs) {
      const want = spec.maxInputs === Infinity ? `at least ${spec.minInputs}` : spec.minInputs === spec.maxInputs ? `${spec.minInputs}` : `${spec.minInputs}..${spec.maxInputs}`;
      broken(g, label, n, 'arity', `has ${n.inputs.length} operands, ${n.op} takes ${want}`);
    }
    for (const i of n.inputs) {
      if (!byId.has(i)) {
        const later = g.nodes.some((m) => m.id === i);
        broken(g, label, n, later ? 'operand-order' : 'operand-exists', later ? `operand "${i}" comes after its consumer` : `operand "${i}" is not a node of the graph`);
      }
    }
    checkAttrs(g, label, n);
    checkDtypes(g, label, n, byId);
    if (requireShapes) {
      if (!n.shape) broken(g, label, n, 'shape-present', 'has no shape');
      const operands = n.inputs.map((i) => byId.get(i) as IrNode);
      for (const p of constInputPositions(spec, n.inputs.length)) {
        if (operands[p].op !== 'Const') broken(g, label, n, 'const-operand', `operand ${p} "${operands[p].id}" must be a Const, is ${operands[p].op}`);
      }
      let want;
      try {
        want = inferShape(n, operands);
      } catch (e) {
        if (e instanceof TfeError) broken(g, label, n, 'shape-consistent', e.message);
        throw e;
      }
      if (!want || fmtShape(want) !== fmtShape(n.shape)) {
        broken(g, label, n, 'shape-consistent', `shape ${fmtShape(n.shape)} but its operands give ${fmtShape(want)}`);
      }
    }
    byId.set(n.id, n);
  }
  for (const id of g.inputs) {
    const n = byId.get(id);
    if (!n) broken(g, label, undefined, 'graph-io', `graph input "${id}" is not a node`);
    if (n.op !== 'Placeholder') broken(g, label, n, 'graph-io', `graph input "${id}" is a ${n.op}, not a Placeholder`);
  }
  for (const id of g.outputs) if (!byId.has(id)) broken(g, label, undefined, 'graph-io', `graph output "${id}" is not a node`);
  if (g.outputs.length === 0) broken(g, label, undefined, 'graph-io', 'the graph has no outputs');
}
