/**
 * The program builder: a private computation written as code, in the style of the
 * original tf-encrypted library (define_private_input, define_private_variable, ops,
 * reveal), compiled by the same passes, verifier and plan format as a model.
 *
 * ```ts
 * const p = program();
 * const a = p.privateInput('alice', 'a', [1, 3]);
 * const b = p.privateInput('bob', 'b', [1, 3]);
 * const w = p.privateVariable('model-owner', 'w', weights, [6, 2]);
 * p.reveal(p.relu(p.matmul(p.concat([a, b], 1), w)), 'analyst', 'y');
 * const compiled = await p.compile({ protocol: 'pond' });
 * ```
 *
 * Roles are free names (src/plan/role-name.ts): a privateInput's role provides it at
 * each prediction; a privateVariable's role holds it (weights.bin) and shares it once
 * per deployment (one such role per program: the runtime shares one weights.bin); a
 * revealed value goes to its role only. Shapes are fixed (the batch is part of the
 * shape) and checked when each op is called, by the IR's shape rules. Ops follow
 * TensorFlow's conventions: NHWC images, HWIO filters, NumPy broadcasting.
 */
import { TfeError } from '../../src/errors.js';
import type { Attrs } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';
import { OWNER_ATTR, RANGE_ATTR, ROLE_ATTR, VISIBILITY_ATTR } from '../../src/ir/role-attrs.js';
import { fmtShape } from '../../src/ir/shape-rules.js';
import { float64ToTensor } from '../../src/ir/tensor-data.js';
import { checkFreeRole } from '../../src/plan/role-name.js';
import type { CompileResult } from '../compile.js';
import { ProgramGraph, type NodeRef } from './graph-builder.js';
import { irPadding, normAxes, windowPair, type Padding, type Window } from './op-args.js';
import { compileProgram, type ProgramCompileOptions, type ProgramInput, type ProgramOutput } from './to-graph.js';
import { checkShape, flattenValues, type ProgramValues } from './values.js';

/** A value of a program: the result of a source or an op. Immutable; belongs to the program that made it. */
export class ProgramTensor {
  /** @internal made by Program only */
  constructor(
    /** The program that made it (tensors of two programs never mix). */
    readonly program: Program,
    private readonly ref: NodeRef,
    /** Its shape, checked when it was made. */
    readonly shape: readonly number[],
  ) {}

  /** Its node id: the user's name for an input or variable, else generated (`matmul_1`; the plan's step sources name it). */
  get name(): string {
    return this.ref.id;
  }
}

/** An operand of add, sub and mul: a tensor of the program, or a number (a public scalar constant). */
export type Operand = ProgramTensor | number;

/** privateInput's options. */
export interface PrivateInputOptions {
  /**
   * The range [lo, hi] every element of this input lies in, for the compiler's headroom
   * analysis (it replaces the compile option inputRange for this input); the provider's
   * values are checked against it at run time.
   */
  readonly range?: readonly [number, number];
}

/** matmul's options (TensorFlow's transpose_a / transpose_b). */
export interface MatmulOptions {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
}

/** conv2d's options: strides (default 1) and padding (default 'valid'). */
export interface Conv2dOptions {
  readonly strides?: Window;
  readonly padding?: Padding;
}

/** avgPool's and maxPool's options: window ksize, strides (default ksize), padding (default 'valid'). */
export interface PoolOptions {
  readonly ksize: Window;
  readonly strides?: Window;
  readonly padding?: Padding;
}

/** sum's and mean's options: the axes to reduce (default all) and whether to keep them as size 1. */
export interface ReduceOptions {
  readonly axis?: number | readonly number[];
  readonly keepDims?: boolean;
}

const desc = (t: ProgramTensor): string => `${t.name} ${fmtShape(t.shape)}`;
const descOperand = (v: unknown): string => (v instanceof ProgramTensor ? desc(v) : typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v));

/** A program under construction: sources, ops, reveals, then compile(). Make one with program(). */
export class Program {
  private readonly g: ProgramGraph = new ProgramGraph();
  private readonly inputs: ProgramInput[] = [];
  private readonly outputs: ProgramOutput[] = [];

  // ---- sources ----

  /** An input that role `role` provides at each prediction, of fixed `shape`; secret-shared, never seen by others. */
  privateInput(role: string, name: string, shape: readonly number[], opts: PrivateInputOptions = {}): ProgramTensor {
    const call = `privateInput(${JSON.stringify(role)}, ${JSON.stringify(name)})`;
    checkFreeRole(role, call);
    checkShape(shape, call);
    const range = opts.range;
    if (range !== undefined && !(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] <= range[1])) {
      throw new TfeError('E_ARG', `${call}: range ${JSON.stringify(range)} must be [lo, hi] with finite lo <= hi`);
    }
    this.g.claim(name, call);
    const attrs: Attrs = { [ROLE_ATTR]: role, ...(range !== undefined ? { [RANGE_ATTR]: [range[0], range[1]] } : {}) };
    this.g.push({ id: name, op: 'Placeholder', inputs: [], attrs, dtype: 'float32', shape: [...shape] }, { input: true, variable: false, label: false });
    this.inputs.push({ name, role, call });
    return new ProgramTensor(this, this.g.ref(name), [...shape]);
  }

  /** A value `role` holds (weights.bin) and shares once per deployment: secret to everyone else, whatever the compile options. */
  privateVariable(role: string, name: string, values: ProgramValues, shape: readonly number[]): ProgramTensor {
    const call = `privateVariable(${JSON.stringify(role)}, ${JSON.stringify(name)})`;
    checkFreeRole(role, call);
    checkShape(shape, call);
    const data = flattenValues(values, shape, call);
    this.g.claim(name, call);
    const attrs: Attrs = { value: float64ToTensor('float32', shape, data), [OWNER_ATTR]: role, [VISIBILITY_ATTR]: 'private' };
    this.g.push({ id: name, op: 'Const', inputs: [], attrs, dtype: 'float32', shape: [...shape] }, { input: false, variable: true, label: false });
    return new ProgramTensor(this, this.g.ref(name), [...shape]);
  }

  /** A public constant: the servers know it in the clear (it is part of the plan's weights, published by the weights' holder). */
  constant(values: ProgramValues, shape: readonly number[]): ProgramTensor {
    const call = `constant(${fmtShape(Array.isArray(shape) ? shape : [])})`;
    checkShape(shape, call);
    const data = flattenValues(values, shape, call);
    const id = this.g.fresh('const');
    const attrs: Attrs = { value: float64ToTensor('float32', shape, data), [VISIBILITY_ATTR]: 'public' };
    this.g.push({ id, op: 'Const', inputs: [], attrs, dtype: 'float32', shape: [...shape] }, { input: false, variable: false, label: false }, 'const');
    return new ProgramTensor(this, this.g.ref(id), [...shape]);
  }

  // ---- elementwise ----

  /** a + b, NumPy broadcasting. */
  add(a: Operand, b: Operand): ProgramTensor {
    return this.binary('Add', 'add', a, b);
  }

  /** a - b, NumPy broadcasting. */
  sub(a: Operand, b: Operand): ProgramTensor {
    return this.binary('Sub', 'sub', a, b);
  }

  /** a * b elementwise, NumPy broadcasting. */
  mul(a: Operand, b: Operand): ProgramTensor {
    return this.binary('Mul', 'mul', a, b);
  }

  /** -x. */
  neg(x: ProgramTensor): ProgramTensor {
    return this.unary('Neg', 'neg', x);
  }

  // ---- linear ----

  /** The matrix product of rank-2 a and b (optionally transposed first). */
  matmul(a: ProgramTensor, b: ProgramTensor, opts: MatmulOptions = {}): ProgramTensor {
    const call = `matmul(${descOperand(a)}, ${descOperand(b)})`;
    this.own(a, call);
    this.own(b, call);
    const attrs: Attrs = { transpose_a: opts.transposeA === true, transpose_b: opts.transposeB === true };
    return this.made(this.g.op('MatMul', 'matmul', [a.name, b.name], attrs, call));
  }

  /** 2-D convolution of an NHWC x by an HWIO filter (TensorFlow's tf.nn.conv2d, no dilation). */
  conv2d(x: ProgramTensor, filter: ProgramTensor, opts: Conv2dOptions = {}): ProgramTensor {
    const call = `conv2d(${descOperand(x)}, ${descOperand(filter)})`;
    this.own(x, call);
    this.own(filter, call);
    const [sh, sw] = windowPair(opts.strides, 'strides', call, [1, 1]);
    const attrs: Attrs = { strides: [1, sh, sw, 1], padding: irPadding(opts.padding, call), dilations: [1, 1, 1, 1] };
    return this.made(this.g.op('Conv2D', 'conv2d', [x.name, filter.name], attrs, call));
  }

  // ---- pooling ----

  /** Average over ksize windows of an NHWC x (with padding 'same', the mean of the window's elements inside the image, as TensorFlow). */
  avgPool(x: ProgramTensor, opts: PoolOptions): ProgramTensor {
    return this.pool('AvgPool', 'avgPool', x, opts);
  }

  /** Maximum over ksize windows of an NHWC x. */
  maxPool(x: ProgramTensor, opts: PoolOptions): ProgramTensor {
    return this.pool('MaxPool', 'maxPool', x, opts);
  }

  // ---- activations ----

  /** max(x, 0), exact (or a polynomial with compile option relu 'poly'). */
  relu(x: ProgramTensor): ProgramTensor {
    return this.unary('Relu', 'relu', x);
  }

  /** The logistic function, by a piecewise polynomial whose error bound the plan states (step `approximation`). */
  sigmoid(x: ProgramTensor): ProgramTensor {
    return this.unary('Sigmoid', 'sigmoid', x);
  }

  /** tanh, by a piecewise polynomial whose error bound the plan states (step `approximation`). */
  tanh(x: ProgramTensor): ProgramTensor {
    return this.unary('Tanh', 'tanh', x);
  }

  // ---- layout ----

  /** x with another shape of the same element count (one dimension may be -1: inferred). */
  reshape(x: ProgramTensor, shape: readonly number[]): ProgramTensor {
    const call = `reshape(${descOperand(x)}, ${JSON.stringify(shape)})`;
    this.own(x, call);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d))) throw new TfeError('E_ARG', `${call}: the shape must be a list of integers`);
    const s = this.g.structural('shape', shape, [shape.length]);
    return this.made(this.g.op('Reshape', 'reshape', [x.name, s], {}, call));
  }

  /** x with its axes permuted: output axis i is input axis perm[i] (default: reversed). */
  transpose(x: ProgramTensor, perm?: readonly number[]): ProgramTensor {
    const call = `transpose(${descOperand(x)}${perm ? `, ${JSON.stringify(perm)}` : ''})`;
    this.own(x, call);
    const p = perm ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    if (!Array.isArray(p) || !p.every((d) => Number.isInteger(d))) throw new TfeError('E_ARG', `${call}: perm must be a list of integers`);
    const s = this.g.structural('perm', p, [p.length]);
    return this.made(this.g.op('Transpose', 'transpose', [x.name, s], {}, call));
  }

  /** x padded with zeros: paddings[i] = [before, after] for axis i. */
  pad(x: ProgramTensor, paddings: readonly (readonly [number, number])[]): ProgramTensor {
    const call = `pad(${descOperand(x)}, ${JSON.stringify(paddings)})`;
    this.own(x, call);
    if (!Array.isArray(paddings) || !paddings.every((r) => Array.isArray(r) && r.length === 2 && r.every((v) => Number.isInteger(v) && v >= 0))) {
      throw new TfeError('E_ARG', `${call}: paddings must be one [before, after] pair of non-negative integers per axis`);
    }
    const s = this.g.structural('paddings', paddings.flat(), [paddings.length, 2]);
    return this.made(this.g.op('Pad', 'pad', [x.name, s], {}, call));
  }

  /** The tensors xs joined along `axis` (every other dimension equal). */
  concat(xs: readonly ProgramTensor[], axis: number): ProgramTensor {
    const call = `concat([${Array.isArray(xs) ? xs.map(descOperand).join(', ') : '?'}], ${String(axis)})`;
    if (!Array.isArray(xs) || xs.length === 0) throw new TfeError('E_ARG', `${call}: give a non-empty list of tensors`);
    for (const x of xs) this.own(x, call);
    if (!Number.isInteger(axis)) throw new TfeError('E_ARG', `${call}: axis must be an integer`);
    const s = this.g.structural('axis', [axis], []);
    return this.made(this.g.op('Concat', 'concat', [...xs.map((x) => x.name), s], {}, call));
  }

  // ---- reductions ----

  /** The sum over `axis` (default every axis). */
  sum(x: ProgramTensor, opts: ReduceOptions = {}): ProgramTensor {
    return this.reduce('Sum', 'sum', x, opts);
  }

  /** The mean over `axis` (default every axis). */
  mean(x: ProgramTensor, opts: ReduceOptions = {}): ProgramTensor {
    return this.reduce('Mean', 'mean', x, opts);
  }

  /** The index of the largest element along `axis` (the last axis, the only one supported): an integer label, which can only be revealed. */
  argmax(x: ProgramTensor, axis = -1): ProgramTensor {
    const call = `argmax(${descOperand(x)}, ${String(axis)})`;
    this.own(x, call);
    const [a] = normAxes(axis, x.shape.length, call);
    if (a !== x.shape.length - 1) throw new TfeError('E_UNSUPPORTED', `${call}: argmax over axis ${a}, not the last (${x.shape.length - 1})`, 'transpose the axis to the end first');
    const s = this.g.structural('axis', [a], []);
    return this.made(this.g.op('ArgMax', 'argmax', [x.name, s], {}, call, 'int64', true));
  }

  // ---- outputs and compilation ----

  /** Reveals x to role `role` only, as output `name`: it must depend on a privateInput (else it would disclose variables or constants). */
  reveal(x: ProgramTensor, role: string, name: string): void {
    const call = `reveal(${descOperand(x)}, ${JSON.stringify(role)}, ${JSON.stringify(name)})`;
    this.own(x, call, true);
    checkFreeRole(role, call);
    const p = this.g.provenanceOf(x.name);
    if (!p.input) {
      throw new TfeError('E_ARG', `${call}: ${x.name} depends on ${p.variable ? 'no privateInput, only on private variables and constants: revealing it would disclose them' : 'nothing secret, only on public constants'}`, 'reveal values computed from at least one privateInput');
    }
    this.g.claim(name, call);
    this.g.push({ id: name, op: 'Identity', inputs: [x.name], attrs: {}, dtype: this.g.node(x.name).dtype, shape: [...x.shape] }, p);
    this.outputs.push({ name, role, call });
  }

  /** Compiles the program to a plan (CompileResult: plan, weights, ...), as compile() does a model. */
  compile(opts: ProgramCompileOptions = {}): Promise<CompileResult> {
    return compileProgram(this.g, this.inputs, this.outputs, opts);
  }

  // ---- helpers ----

  /** Checks that `t` is a tensor of this program (and not a label, unless `labelOk`). */
  private own(t: unknown, call: string, labelOk = false): asserts t is ProgramTensor {
    if (!(t instanceof ProgramTensor)) throw new TfeError('E_ARG', `${call}: operand ${descOperand(t)} is not a tensor of a program`);
    if (t.program !== this) throw new TfeError('E_ARG', `${call}: ${t.name} belongs to another program`, 'a program\'s ops take only its own tensors');
    if (!labelOk && this.g.provenanceOf(t.name).label) throw new TfeError('E_ARG', `${call}: ${t.name} is an argmax (an integer label): it can only be revealed`);
  }

  private made(n: { readonly id: string; readonly shape: readonly number[] | undefined }): ProgramTensor {
    return new ProgramTensor(this, this.g.ref(n.id), [...(n.shape ?? [])]);
  }

  private operand(v: Operand, call: string): string {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new TfeError('E_RANGE', `${call}: ${v} is not a finite number`);
      return this.constant(v, []).name;
    }
    this.own(v, call);
    return v.name;
  }

  private binary(op: Op, name: string, a: Operand, b: Operand): ProgramTensor {
    const call = `${name}(${descOperand(a)}, ${descOperand(b)})`;
    if (!(a instanceof ProgramTensor) && !(b instanceof ProgramTensor)) throw new TfeError('E_ARG', `${call}: give at least one tensor`, 'p.constant(values, shape) makes a constant tensor');
    const ia = this.operand(a, call);
    const ib = this.operand(b, call);
    return this.made(this.g.op(op, name, [ia, ib], {}, call));
  }

  private unary(op: Op, name: string, x: ProgramTensor): ProgramTensor {
    const call = `${name}(${descOperand(x)})`;
    this.own(x, call);
    return this.made(this.g.op(op, name, [x.name], {}, call));
  }

  private pool(op: Op, name: string, x: ProgramTensor, opts: PoolOptions): ProgramTensor {
    const call = `${name}(${descOperand(x)})`;
    this.own(x, call);
    if (typeof opts !== 'object' || opts === null) throw new TfeError('E_ARG', `${call}: give the options { ksize, strides?, padding? }`);
    const [kh, kw] = windowPair(opts.ksize, 'ksize', call);
    const [sh, sw] = windowPair(opts.strides, 'strides', call, [kh, kw]);
    const attrs: Attrs = { ksize: [1, kh, kw, 1], strides: [1, sh, sw, 1], padding: irPadding(opts.padding, call) };
    return this.made(this.g.op(op, name, [x.name], attrs, call));
  }

  private reduce(op: Op, name: string, x: ProgramTensor, opts: ReduceOptions): ProgramTensor {
    const call = `${name}(${descOperand(x)}${opts.axis !== undefined ? `, axis ${JSON.stringify(opts.axis)}` : ''})`;
    this.own(x, call);
    const axes = normAxes(opts.axis, x.shape.length, call);
    const s = this.g.structural('axes', axes, [axes.length]);
    return this.made(this.g.op(op, name, [x.name, s], { keep_dims: opts.keepDims === true }, call));
  }
}

/** A new, empty program. */
export function program(): Program {
  return new Program();
}
