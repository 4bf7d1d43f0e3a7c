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
 */
import { TfeError } from '../../src/errors.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';
import type { InputBinding, OutputBinding, PlanStep, PlanTensor } from '../../src/plan/schema.js';
import { POND_SPECS } from '../../src/protocols/pond.js';
import type { Cost, KernelAttrs } from '../../src/protocols/spec.js';

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
        inputs.push({ name: n.id, tensor: priv.id, shape: [...n.shape], dtype: 'float32', provider: 'client', scale, range: [inputRange[0], inputRange[1]] });
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
