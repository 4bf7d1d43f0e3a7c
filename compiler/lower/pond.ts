/**
 * Pond's lowering table: each ring op's rule (compiler/lower/lower.ts is the driver,
 * most rules are the generic ones of ./rules.ts), to the kernel names and attributes of
 * src/protocols/pond.ts.
 *
 * Tensors: an input is a private tensor its provider (the input's attrs.role, default
 * client) shares (`share`) at the start of every prediction, declared in the range of
 * its attrs.range (else the compile option's); a secret weight is a private tensor of
 * the weights' owner (c.weightsOwner, default model-owner), shared once per deployment
 * by a setup step; a public constant (or a weight under --public-weights) is a public
 * tensor the servers get from the weights' owner (setup.ts); an output is revealed to
 * its receiver (c.receiverOf(name), default client: `reveal`) into a private tensor.
 * Products whose second operand is a secret weight carry `cacheKey` (the weight's
 * tensor id): its Beaver mask is opened once per deployment (the first prediction's
 * extra cost), not per prediction. Commutative ops put the secret operand first.
 * relu falls back to drelu_s + mul_ss for a protocol without relu_s (rules.ts), maxpool
 * to a tournament of comparisons and selects without maxpool_s (./maxpool.ts); a
 * `piecewise` node becomes several steps (./piecewise.ts).
 */
import type { RingAttrs } from '../../src/ir/ring-ops.js';
import type { KernelAttrs } from '../../src/protocols/spec.js';
import { providerOf, type LoweringTable } from './lower.js';
import { maxpool } from './maxpool.js';
import { piecewise } from './piecewise.js';
import { binary, relu, replacedEarlier, unary } from './rules.js';

const conv = (a: RingAttrs): KernelAttrs => ({ strides: a.strides as number[], padding: a.padding as string });
const win = (a: RingAttrs): KernelAttrs => ({ ksize: a.ksize as number[], strides: a.strides as number[], padding: a.padding as string });

export const POND_LOWERING: LoweringTable = {
  input: (c) => {
    const n = c.node;
    const scale = n.scale as number;
    const provider = providerOf(n);
    const priv = c.newTensor({ shape: [...n.shape], scale, visibility: 'private', owner: provider, name: n.id });
    const out = c.secretOut();
    c.step('predict', 'share', [priv], out, { owner: provider });
    const a = n.attrs;
    const depth = a.one_hot_depth;
    if (typeof depth === 'number') {
      // The client turns its ids into one-hot rows before sharing (runtime/io/preprocess.ts).
      const dtype: 'int32' | 'int64' = a.one_hot_dtype === 'int32' ? 'int32' : 'int64';
      const preprocess = { op: 'one_hot' as const, depth, dtype, shape: [...(a.one_hot_shape as readonly number[])] };
      c.inputs.push({ name: n.id, tensor: priv.id, shape: [...n.shape], dtype: 'float32', provider, scale, range: [0, 1], preprocess });
    } else {
      const own = Array.isArray(a.range) && a.range.length === 2 ? (a.range as readonly number[]) : c.inputRange;
      c.inputs.push({ name: n.id, tensor: priv.id, shape: [...n.shape], dtype: 'float32', provider, scale, range: [own[0], own[1]] });
    }
    c.bind(out);
  },
  const: (c) => {
    const n = c.node;
    const scale = n.scale as number;
    const entry = n.id;
    if (n.vis === 'secret') {
      const priv = c.newTensor({ shape: [...n.shape], scale, visibility: 'private', owner: c.weightsOwner, name: n.id });
      const out = c.secretOut();
      c.step('setup', 'share', [priv], out, { owner: c.weightsOwner });
      c.weights.push({ tensor: priv.id, entry, shape: n.shape, scale, values: n.value as Float64Array, parameter: n.attrs.param === true });
      c.markWeight(out);
      c.bind(out);
    } else {
      const pub = c.newTensor({ shape: [...n.shape], scale, visibility: 'public', owner: c.weightsOwner, name: n.id });
      c.weights.push({ tensor: pub.id, entry, shape: n.shape, scale, values: n.value as Float64Array, parameter: n.attrs.param === true });
      c.bind(pub);
    }
  },
  matmul: binary('matmul'),
  conv2d: binary('conv2d', conv),
  depthwise_conv2d: binary('depthwise_conv2d', conv),
  mul: binary('mul'),
  add: binary('add'),
  sub: binary('sub'),
  neg: unary('neg_s'),
  trunc: unary('trunc_s', (a) => ({ bits: a.bits as number })),
  rescale: unary('reshape_s', (_a, n) => ({ shape: [...n.shape] })),
  relu,
  poly: unary('poly_s', (a) => ({ coeffs: a.coeffs as number[], fracBits: a.fracBits as number })),
  piecewise,
  sigmoid: replacedEarlier,
  tanh: replacedEarlier,
  maxpool,
  avgpool: unary('avgpool_s', (a) => ({ ...win(a), fracBits: a.fracBits as number })),
  sum: unary('sum_s', (a) => ({ axes: a.axes as number[], keepDims: a.keepDims === true })),
  argmax: unary('argmax_s'),
  reshape: unary('reshape_s', (a) => ({ shape: a.shape as number[] })),
  transpose: unary('transpose_s', (a) => ({ perm: a.perm as number[] })),
  pad: unary('pad_s', (a) => ({ paddings: a.paddings as number[][] })),
  slice: unary('slice_s', (a) => ({ begin: a.begin as number[], size: a.size as number[] })),
  concat: unary('concat_s', (a) => ({ axis: a.axis as number })),
  output: (c) => {
    const n = c.node;
    const a = n.attrs;
    const scale = n.scale as number;
    const x = c.ins[0];
    const receiver = c.receiverOf(String(a.name));
    const priv = c.newTensor({ shape: [...n.shape], scale, visibility: 'private', owner: receiver, name: String(a.name) });
    if (x.visibility !== 'secret') {
      c.fail('the output does not depend on the input');
      return;
    }
    c.step('predict', 'reveal', [x], priv, { to: receiver });
    c.outputs.push({
      name: String(a.name), tensor: priv.id, shape: [...n.shape], receiver, scale,
      postprocess: a.postprocess === 'softmax' ? 'softmax' : 'none', kind: a.kind === 'label' || a.kind === 'logits' || a.kind === 'probabilities' ? a.kind : 'values',
    });
  },
};
