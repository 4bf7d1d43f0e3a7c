/**
 * Multiplications. Secret x secret by one Beaver triple (beaver.ts: one round, each
 * server opens its share of X - A and, unless cached, Y - B); secret x public locally.
 * The product of two scale-f tensors has scale 2f: truncation is a separate kernel
 * the compiler places (trunc_s).
 * attrs.cacheKey (optional, *_ss only): the second operand is a reused secret (model
 * weights); its masked value is opened once per deployment and cached.
 */
import { TfeError } from '../../../src/errors.js';
import { optStrAttr } from '../../../src/protocols/attrs.js';
import { convAttrs, pondSpec } from '../../../src/protocols/pond.js';
import type { KernelAttrs } from '../../../src/protocols/spec.js';
import type { RingBackend } from '../../ring/backend.js';
import type { RingTensor } from '../../ring/tensor.js';
import { beaver, type Bilinear } from './beaver.js';
import { isServerCtx } from '../open.js';
import { implement, secret, type Kernel, type Operand, type PartyContext } from '../types.js';

type Product = (ring: RingBackend, attrs: KernelAttrs) => Bilinear;

const mul: Product = (ring) => (x, y, out) => ring.mul(x, y, out);
const matmul: Product = (ring) => (x, y, out) => ring.matmul(x, y, out);
const conv: (k: string) => Product = (k) => (ring, attrs) => {
  const o = convAttrs(k, attrs);
  return (x, y, out) => ring.conv2d(x, y, o, out);
};
const depthwise: (k: string) => Product = (k) => (ring, attrs) => {
  const o = convAttrs(k, attrs);
  // the backend has no out-parameter for depthwise convolutions (rare, small): copy
  return (x, y, out) => {
    const r = ring.depthwiseConv2d(x, y, o);
    if (!out) return r;
    out.data.set(r.data);
    return out;
  };
};

function need(ctx: PartyContext, o: Operand, kernel: string): RingTensor {
  const t = o.kind === 'secret' ? o.share : o.value;
  if (!t) throw new TfeError('E_PROTOCOL', `${kernel}: ${ctx.role} lacks its ${o.kind} operand`);
  return t;
}

function secretSecret(name: string, p: Product): Kernel {
  const spec = pondSpec(name);
  return implement(spec, async (ctx, [x, y], attrs) => {
    if (x.kind !== 'secret' || y.kind !== 'secret') throw new TfeError('E_PLAN', `${name}: both operands must be secret`);
    const out = spec.outputShapes([x.shape, y.shape], attrs)[0];
    return [await beaver(ctx, x, y, p(ctx.ring, attrs), out, optStrAttr(attrs, 'cacheKey'))];
  });
}

function local(name: string, p: Product): Kernel {
  const spec = pondSpec(name);
  return implement(spec, async (ctx, [a, b], attrs) => {
    const out = spec.outputShapes([a.shape, b.shape], attrs)[0];
    if (!isServerCtx(ctx)) return [secret(out)];
    return [secret(out, p(ctx.ring, attrs)(need(ctx, a, name), need(ctx, b, name)))];
  });
}

export const mulSS = secretSecret('mul_ss', mul);
export const mulSP = local('mul_sp', mul);
export const matmulSS = secretSecret('matmul_ss', matmul);
export const matmulSP = local('matmul_sp', matmul);
export const matmulPS = local('matmul_ps', matmul);
export const conv2dSS = secretSecret('conv2d_ss', conv('conv2d_ss'));
export const conv2dSP = local('conv2d_sp', conv('conv2d_sp'));
export const depthwiseConv2dSS = secretSecret('depthwise_conv2d_ss', depthwise('depthwise_conv2d_ss'));
export const depthwiseConv2dSP = local('depthwise_conv2d_sp', depthwise('depthwise_conv2d_sp'));
