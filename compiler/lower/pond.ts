/**
 * Lowering to Pond: the scaled ring graph becomes Pond kernel steps (names and
 * attributes from src/protocols/pond.ts), gated on POND_SPECS: a step whose kernel
 * Pond lacks, or whose operands' visibility no kernel takes, is reported, all at once
 * (E_UNSUPPORTED, node, op, hint).
 *
 * Tensors: the client's input is a private tensor the client shares (`share`, owner
 * client) at the start of every prediction; a secret weight is a private tensor of the
 * model owner, shared once per deployment by a setup step; a public constant (or a
 * weight under --public-weights) is a public tensor the servers load from weights.bin;
 * an output is revealed to the client (`reveal`, to client) into a private tensor.
 * Products whose second operand is a secret weight carry `cacheKey` (the weight's
 * tensor id): its Beaver mask is opened once per deployment (the first prediction's
 * extra cost), not per prediction. Commutative ops put the secret operand first.
 * Each step's cost is its spec's declared cost at batch 1 (-1 counted as 1), warm.
 * A `piecewise` node becomes several steps (lowerPiecewise below), each carrying the
 * node's approximation statement.
 */
import { TfeError } from '../../src/errors.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import type { InputBinding, OutputBinding, PlanStep, PlanTensor } from '../../src/plan/schema.js';
import { POND_SPECS, polyLevels } from '../../src/protocols/pond.js';
import type { Cost, KernelAttrs } from '../../src/protocols/spec.js';
import { tableOf } from '../secure/piecewise.js';

/** A weight to encode into weights.bin. */
export interface LoweredWeight {
  readonly tensor: string;
  readonly entry: string;
  readonly shape: readonly number[];
  readonly scale: number;
  readonly values: Float64Array;
}

export interface LoweredProgram {
  readonly tensors: PlanTensor[];
  readonly setupSteps: PlanStep[];
  readonly steps: PlanStep[];
  readonly inputs: InputBinding[];
  readonly outputs: OutputBinding[];
  readonly weights: LoweredWeight[];
  /** Per step, its cost with the weight masks not yet open (for firstPrediction). */
  readonly coldCosts: Cost[];
}

const batch1 = (s: readonly number[]): number[] => s.map((d) => (d < 0 ? 1 : d));

interface Problem {
  readonly node: string;
  readonly op: string;
  readonly why: string;
}

export function lowerToPond(g: RingGraph, inputRange: readonly [number, number]): LoweredProgram {
  const tensors: PlanTensor[] = [];
  const setupSteps: PlanStep[] = [];
  const steps: PlanStep[] = [];
  const inputs: InputBinding[] = [];
  const outputs: OutputBinding[] = [];
  const weights: LoweredWeight[] = [];
  const coldCosts: Cost[] = [];
  const problems: Problem[] = [];
  /** ring id -> plan tensor (secret or public) holding its value for the servers. */
  const held = new Map<string, PlanTensor>();
  const weightTensors = new Set<string>();
  const newTensor = (t: Omit<PlanTensor, 'id'>): PlanTensor => {
    const p = { id: `t${tensors.length}`, ...t };
    tensors.push(p);
    return p;
  };
  const step = (into: PlanStep[], kernel: string, ins: PlanTensor[], out: PlanTensor, attrs: KernelAttrs, n: RingNode): void => {
    const spec = POND_SPECS.get(kernel);
    if (!spec) {
      problems.push({ node: n.source, op: n.op, why: `protocol pond has no kernel '${kernel}'` });
      return;
    }
    const shapes = ins.map((t) => batch1(t.shape));
    const cost = spec.cost(shapes, attrs, { warm: true });
    if (into === steps) coldCosts.push(spec.cost(shapes, attrs, { warm: false }));
    into.push({
      kernel, inputs: ins.map((t) => t.id), outputs: [out.id], attrs: { ...attrs } as PlanStep['attrs'], source: n.source, reveals: spec.reveals, cost,
      ...(n.approximation ? { approximation: n.approximation } : {}),
    });
  };
  const secretOut = (n: RingNode): PlanTensor => newTensor({ shape: [...n.shape], scale: n.scale as number, visibility: 'secret', name: n.id });

  /**
   * A piecewise approximation (compiler/secure/piecewise.ts) on x [..., m] at scale f,
   * with a trailing piece axis: u = x - centres [..., m, K]; bits = drelu_s(x - breaks)
   * [..., m, T] (0/1, scale 0; T = pieces - 1, none for a single piece); the powers of
   * u by levels (mul_ss, then trunc_s to f except at the last level, which stays at 2f
   * unless attrs.truncateLast); the K polynomials as sum_k u^k * c_k (public
   * coefficient rows encoded so every term is at S = attrs.termScale); the pieces
   * (the polynomials, zero-padded for the constants below / above, plus those); then
   * first + sum(bits * jumps) with jumps = next piece - previous (one mul_ss, exact:
   * the bits are 0/1), truncated to f.
   */
  const lowerPiecewise = (n: RingNode, x: PlanTensor): PlanTensor => {
    const t = tableOf(n.id, n.attrs);
    const f = n.attrs.fracBits as number;
    const S = n.attrs.termScale as number;
    const truncateLast = n.attrs.truncateLast === true;
    const K = t.coeffs.length;
    const d = Math.max(...t.coeffs.map((r) => r.length)) - 1;
    const axis = n.shape.length;
    const shp = (k: number): number[] => [...n.shape, k];
    const tmp = (name: string, shape: number[], sc: number): PlanTensor => newTensor({ shape, scale: sc, visibility: 'secret', name: `${n.id}/${name}` });
    const constant = (name: string, values: readonly number[], sc: number, shape = [values.length]): PlanTensor => {
      const p = newTensor({ shape, scale: sc, visibility: 'public', owner: 'model-owner', name: `${n.id}/${name}` });
      weights.push({ tensor: p.id, entry: p.name as string, shape, scale: sc, values: Float64Array.from(values) });
      return p;
    };
    const run = (kernel: string, ins: PlanTensor[], out: PlanTensor, attrs: KernelAttrs = {}): PlanTensor => {
      step(steps, kernel, ins, out, attrs, n);
      return out;
    };
    const nb = t.below === undefined ? 0 : 1;
    const na = t.above === undefined ? 0 : 1;
    const P = K + nb + na;
    const T = P - 1;
    const column = run('reshape_s', [x], tmp('column', shp(1), f), { shape: shp(1) });
    const bits = T > 0 ? run('drelu_s', [run('sub_sp', [column, constant('breaks', t.breaks, f)], tmp('from_breaks', shp(T), f))], tmp('bits', shp(T), 0)) : undefined;
    const pow = new Map<number, PlanTensor>([[1, run('sub_sp', [column, constant('centres', t.centres, f)], tmp('u', shp(K), f))]]);
    const get = (k: number): PlanTensor => pow.get(k) as PlanTensor;
    const levels = polyLevels(d);
    const zeros = n.shape.map(() => 0);
    const whole = n.shape.map(() => -1);
    levels.forEach((ks, i) => {
      const h = ks[0] - 1;
      const tag = ks.join('_');
      const stack = (parts: PlanTensor[], name: string): PlanTensor => (parts.length === 1 ? parts[0] : run('concat_s', parts, tmp(name, shp(K * parts.length), f), { axis }));
      const lhs = stack(ks.map(() => get(h)), `u${tag}_lhs`);
      const rhs = stack(ks.map((k) => get(k - h)), `u${tag}_rhs`);
      let prod = run('mul_ss', [lhs, rhs], tmp(`u${tag}_2f`, shp(K * ks.length), 2 * f));
      if (i < levels.length - 1 || truncateLast) prod = run('trunc_s', [prod], tmp(`u${tag}`, shp(K * ks.length), f), { bits: f });
      ks.forEach((k, j) => {
        const part = ks.length === 1 ? prod : run('slice_s', [prod], tmp(`u${k}`, shp(K), prod.scale), { begin: [...zeros, j * K], size: [...whole, K] });
        pow.set(k, part);
      });
    });
    let acc: PlanTensor | undefined;
    for (let k = 1; k <= d; k++) {
      const p = get(k);
      const term = run('mul_sp', [p, constant(`c${k}`, t.coeffs.map((r) => r[k] ?? 0), S - p.scale)], tmp(`term${k}`, shp(K), S));
      acc = acc ? run('add_ss', [acc, term], tmp(`sum${k}`, shp(K), S)) : term;
    }
    const polys = run('add_sp', [acc as PlanTensor, constant('c0', t.coeffs.map((r) => r[0]), S)], tmp('polys', shp(K), S));
    let pieces = polys;
    if (nb + na > 0) {
      const padded = run('pad_s', [polys], tmp('padded', shp(P), S), { paddings: [...n.shape.map(() => [0, 0]), [nb, na]] });
      const ends = [...(t.below === undefined ? [] : [t.below]), ...new Array<number>(K).fill(0), ...(t.above === undefined ? [] : [t.above])];
      pieces = run('add_sp', [padded, constant('ends', ends, S)], tmp('pieces', shp(P), S));
    }
    const slice = (begin: number, size: number, name: string): PlanTensor => run('slice_s', [pieces], tmp(name, shp(size), S), { begin: [...zeros, begin], size: [...whole, size] });
    const first = P === 1 ? pieces : slice(0, 1, 'first');
    let value = first;
    if (bits) {
      const jumps = run('sub_ss', [slice(1, T, 'next'), slice(0, T, 'previous')], tmp('jumps', shp(T), S));
      const chosen = run('mul_ss', [bits, jumps], tmp('chosen', shp(T), S));
      value = run('add_ss', [run('sum_s', [chosen], tmp('sum', shp(1), S), { axes: [axis], keepDims: true }), first], tmp('value', shp(1), S));
    }
    const truncated = run('trunc_s', [value], tmp('truncated', shp(1), f), { bits: S - f });
    return run('reshape_s', [truncated], secretOut(n), { shape: [...n.shape] });
  };

  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => held.get(i) as PlanTensor);
    const isSecret = (t: PlanTensor): boolean => t.visibility === 'secret';
    const scale = n.scale as number;
    const kernelFor = (base: string): { kernel: string; ordered: PlanTensor[] } | undefined => {
      const [a, b] = ins;
      const sa = isSecret(a);
      const sb = b ? isSecret(b) : false;
      const commutative = base === 'mul' || base === 'add';
      if (sa && sb) {
        if (commutative && weightTensors.has(a.id) && !weightTensors.has(b.id)) return { kernel: `${base}_ss`, ordered: [b, a] };
        return { kernel: `${base}_ss`, ordered: [a, b] };
      }
      if (sa) return { kernel: `${base}_sp`, ordered: [a, b] };
      if (sb) return commutative ? { kernel: `${base}_sp`, ordered: [b, a] } : { kernel: `${base}_ps`, ordered: [a, b] };
      return undefined;
    };
    const binary = (base: string, attrs: KernelAttrs = {}): void => {
      const k = kernelFor(base);
      if (!k) {
        problems.push({ node: n.source, op: n.op, why: 'both operands are public: fold them at compile time' });
        return;
      }
      const cache: KernelAttrs = k.kernel.endsWith('_ss') && base !== 'add' && base !== 'sub' && weightTensors.has(k.ordered[1].id) ? { cacheKey: k.ordered[1].id } : {};
      const out = secretOut(n);
      step(steps, k.kernel, k.ordered, out, { ...attrs, ...cache }, n);
      held.set(n.id, out);
    };
    const unary = (kernel: string, attrs: KernelAttrs = {}): void => {
      if (!ins.every(isSecret)) {
        problems.push({ node: n.source, op: n.op, why: 'a public operand where the kernel takes secrets' });
        return;
      }
      const out = secretOut(n);
      step(steps, kernel, ins, out, attrs, n);
      held.set(n.id, out);
    };
    const a = n.attrs;
    switch (n.op) {
      case 'input': {
        const priv = newTensor({ shape: [...n.shape], scale, visibility: 'private', owner: 'client', name: n.id });
        const out = secretOut(n);
        step(steps, 'share', [priv], out, { owner: 'client' }, n);
        const depth = a.one_hot_depth;
        if (typeof depth === 'number') {
          // The client turns its ids into one-hot rows before sharing (runtime/io/preprocess.ts).
          const dtype: 'int32' | 'int64' = a.one_hot_dtype === 'int32' ? 'int32' : 'int64';
          const preprocess = { op: 'one_hot' as const, depth, dtype, shape: [...(a.one_hot_shape as readonly number[])] };
          inputs.push({ name: n.id, tensor: priv.id, shape: [...n.shape], dtype: 'float32', provider: 'client', scale, range: [0, 1], preprocess });
        } else {
          inputs.push({ name: n.id, tensor: priv.id, shape: [...n.shape], dtype: 'float32', provider: 'client', scale, range: [inputRange[0], inputRange[1]] });
        }
        held.set(n.id, out);
        break;
      }
      case 'const': {
        const entry = n.id;
        if (n.vis === 'secret') {
          const priv = newTensor({ shape: [...n.shape], scale, visibility: 'private', owner: 'model-owner', name: n.id });
          const out = secretOut(n);
          step(setupSteps, 'share', [priv], out, { owner: 'model-owner' }, n);
          weights.push({ tensor: priv.id, entry, shape: n.shape, scale, values: n.value as Float64Array });
          weightTensors.add(out.id);
          held.set(n.id, out);
        } else {
          const pub = newTensor({ shape: [...n.shape], scale, visibility: 'public', owner: 'model-owner', name: n.id });
          weights.push({ tensor: pub.id, entry, shape: n.shape, scale, values: n.value as Float64Array });
          held.set(n.id, pub);
        }
        break;
      }
      case 'matmul': binary('matmul'); break;
      case 'conv2d': binary('conv2d', { strides: a.strides as number[], padding: a.padding as string }); break;
      case 'depthwise_conv2d': binary('depthwise_conv2d', { strides: a.strides as number[], padding: a.padding as string }); break;
      case 'mul': binary('mul'); break;
      case 'add': binary('add'); break;
      case 'sub': binary('sub'); break;
      case 'neg': unary('neg_s'); break;
      case 'trunc': unary('trunc_s', { bits: a.bits as number }); break;
      case 'rescale': unary('reshape_s', { shape: [...n.shape] }); break;
      case 'relu': unary('relu_s'); break;
      case 'piecewise':
        if (!ins[0] || !isSecret(ins[0])) problems.push({ node: n.source, op: n.op, why: 'a public operand where the kernel takes secrets' });
        else held.set(n.id, lowerPiecewise(n, ins[0]));
        break;
      case 'poly': unary('poly_s', { coeffs: a.coeffs as number[], fracBits: a.fracBits as number }); break;
      case 'maxpool': unary('maxpool_s', { ksize: a.ksize as number[], strides: a.strides as number[], padding: a.padding as string }); break;
      case 'avgpool': unary('avgpool_s', { ksize: a.ksize as number[], strides: a.strides as number[], padding: a.padding as string, fracBits: a.fracBits as number }); break;
      case 'sum': unary('sum_s', { axes: a.axes as number[], keepDims: a.keepDims === true }); break;
      case 'argmax': unary('argmax_s'); break;
      case 'reshape': unary('reshape_s', { shape: a.shape as number[] }); break;
      case 'transpose': unary('transpose_s', { perm: a.perm as number[] }); break;
      case 'pad': unary('pad_s', { paddings: a.paddings as number[][] }); break;
      case 'slice': unary('slice_s', { begin: a.begin as number[], size: a.size as number[] }); break;
      case 'concat': unary('concat_s', { axis: a.axis as number }); break;
      case 'output': {
        const x = ins[0];
        const priv = newTensor({ shape: [...n.shape], scale, visibility: 'private', owner: 'client', name: String(a.name) });
        if (x.visibility !== 'secret') {
          problems.push({ node: n.source, op: n.op, why: 'the output does not depend on the input' });
          break;
        }
        step(steps, 'reveal', [x], priv, { to: 'client' }, n);
        outputs.push({
          name: String(a.name), tensor: priv.id, shape: [...n.shape], receiver: 'client', scale,
          postprocess: a.postprocess === 'softmax' ? 'softmax' : 'none', kind: a.kind === 'label' ? 'label' : a.kind === 'logits' ? 'logits' : 'values',
        });
        break;
      }
      default:
        problems.push({ node: n.source, op: n.op, why: `ring op ${n.op} must be replaced before lowering` });
    }
  }
  if (problems.length) {
    throw new TfeError(
      'E_UNSUPPORTED',
      `protocol pond cannot run ${problems.length} node(s):\n${problems.map((p) => `  ${p.node} (${p.op}): ${p.why}`).join('\n')}`,
      'cut the model around these nodes with --input / --output, or change them in the model',
    );
  }
  return { tensors, setupSteps, steps, inputs, outputs, weights, coldCosts };
}
