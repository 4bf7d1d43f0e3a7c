/**
 * Multiplications. Secret x secret by one Beaver triple (beaver.ts: one round, each
 * server opens its share of X - A and, unless cached, Y - B); secret x public locally.
 * The product of two scale-f tensors has scale 2f: truncation is a separate kernel
 * the compiler places (trunc_s).
 * attrs.cacheKey (optional, *_ss only): the second operand is a reused secret (model
 * weights); its masked value is opened once per deployment and cached.
 */
import { TfeError } from '../../../src/errors.js';
import type { Conv2dOptions, Padding } from '../../ring/backend.js';
import type { RingTensor, Shape } from '../../ring/tensor.js';
import { intsAttr, optStrAttr, strAttr } from '../attrs.js';
import { beaver, type Bilinear } from '../beaver.js';
import { isServerCtx } from '../open.js';
import { broadcastShapes, conv2dShape, matmulShape, sizeOf } from '../shapes.js';
import { secret, type Cost, type Kernel, type KernelAttrs, type PartyContext, type Operand } from '../types.js';
import type { RingBackend } from '../../ring/backend.js';

interface Product {
  name: string;
  summary: string;
  outShape(a: Shape, b: Shape, attrs: KernelAttrs): Shape;
  f(ring: RingBackend, attrs: KernelAttrs): Bilinear;
}

function convOpts(kernel: string, attrs: KernelAttrs): Conv2dOptions {
  const s = intsAttr(kernel, attrs, 'strides', 2);
  return { strides: [s[0], s[1]], padding: strAttr<Padding>(kernel, attrs, 'padding', ['SAME', 'VALID']) };
}

const PRODUCTS: Record<'mul' | 'matmul' | 'conv2d' | 'depthwise_conv2d', Product> = {
  mul: {
    name: 'mul',
    summary: 'elementwise product with broadcasting',
    outShape: (a, b) => broadcastShapes(a, b),
    f: (ring) => (x, y) => ring.mul(x, y),
  },
  matmul: {
    name: 'matmul',
    summary: 'matrix product over the last two axes',
    outShape: (a, b) => matmulShape(a, b),
    f: (ring) => (x, y) => ring.matmul(x, y),
  },
  conv2d: {
    name: 'conv2d',
    summary: 'NHWC x HWIO convolution (attrs.strides [sh, sw], attrs.padding)',
    outShape: (a, b, attrs) => {
      const o = convOpts('conv2d', attrs);
      return conv2dShape(a, b, o.strides, o.padding);
    },
    f: (ring, attrs) => {
      const o = convOpts('conv2d', attrs);
      return (x, y) => ring.conv2d(x, y, o);
    },
  },
  depthwise_conv2d: {
    name: 'depthwise_conv2d',
    summary: 'NHWC x [KH,KW,C,M] depthwise convolution (attrs.strides, attrs.padding)',
    outShape: (a, b, attrs) => {
      const o = convOpts('depthwise_conv2d', attrs);
      return conv2dShape(a, b, o.strides, o.padding, true);
    },
    f: (ring, attrs) => {
      const o = convOpts('depthwise_conv2d', attrs);
      return (x, y) => ring.depthwiseConv2d(x, y, o);
    },
  },
};

function need(ctx: PartyContext, o: Operand, kernel: string): RingTensor {
  const t = o.kind === 'secret' ? o.share : o.value;
  if (!t) throw new TfeError('E_PROTOCOL', `${kernel}: ${ctx.role} lacks its ${o.kind} operand`);
  return t;
}

/** Secret x secret by Beaver: 1 round; each server sends |x| (+|y| when not cached); dealer sends |out| to server1. */
function secretSecret(p: Product): Kernel {
  const name = `${p.name}_ss`;
  return {
    name,
    summary: `secret x secret ${p.summary}, by a Beaver triple (1 round)`,
    reveals: false,
    operands: ['secret', 'secret'],
    outputShapes: (s, attrs) => [p.outShape(s[0], s[1], attrs)],
    cost(s, attrs, { warm }): Cost {
      const cached = optStrAttr(attrs, 'cacheKey') !== undefined && warm;
      const b = 8 * (sizeOf(s[0]) + (cached ? 0 : sizeOf(s[1])));
      return { rounds: 1, bytes: { server0: b, server1: b }, dealerBytes: 8 * sizeOf(p.outShape(s[0], s[1], attrs)) };
    },
    async run(ctx, [x, y], attrs) {
      if (x.kind !== 'secret' || y.kind !== 'secret') throw new TfeError('E_PLAN', `${name}: both operands must be secret`);
      return [await beaver(ctx, x, y, p.f(ctx.ring, attrs), p.outShape(x.shape, y.shape, attrs), optStrAttr(attrs, 'cacheKey'))];
    },
  };
}

/** Secret x public (or public x secret) locally: each server multiplies its share. */
function secretPublic(p: Product, publicFirst: boolean): Kernel {
  const name = `${p.name}_${publicFirst ? 'ps' : 'sp'}`;
  return {
    name,
    summary: `${publicFirst ? 'public x secret' : 'secret x public'} ${p.summary}, locally`,
    reveals: false,
    operands: publicFirst ? ['public', 'secret'] : ['secret', 'public'],
    outputShapes: (s, attrs) => [p.outShape(s[0], s[1], attrs)],
    cost: () => ({ rounds: 0, bytes: {}, dealerBytes: 0 }),
    async run(ctx, [a, b], attrs) {
      const shape = p.outShape(a.shape, b.shape, attrs);
      if (!isServerCtx(ctx)) return [secret(shape)];
      return [secret(shape, p.f(ctx.ring, attrs)(need(ctx, a, name), need(ctx, b, name)))];
    },
  };
}

export const mulSS = secretSecret(PRODUCTS.mul);
export const mulSP = secretPublic(PRODUCTS.mul, false);
export const matmulSS = secretSecret(PRODUCTS.matmul);
export const matmulSP = secretPublic(PRODUCTS.matmul, false);
export const matmulPS = secretPublic(PRODUCTS.matmul, true);
export const conv2dSS = secretSecret(PRODUCTS.conv2d);
export const conv2dSP = secretPublic(PRODUCTS.conv2d, false);
export const depthwiseConv2dSS = secretSecret(PRODUCTS.depthwise_conv2d);
export const depthwiseConv2dSP = secretPublic(PRODUCTS.depthwise_conv2d, false);
