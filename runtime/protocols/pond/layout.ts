/**
 * Data movement and sums on shares, computed locally by each server (they commute
 * with additive sharing): reshape, transpose, pad (with zeros), slice, concat, sum.
 */
import { TfeError } from '../../../src/errors.js';
import { reshape as reshapeT, shapeStr, type RingTensor, type Shape } from '../../ring/tensor.js';
import type { RingBackend } from '../../ring/backend.js';
import { intAttr, intsAttr, pairsAttr } from '../attrs.js';
import { isServerCtx } from '../open.js';
import { normAxis, sizeOf } from '../shapes.js';
import { secret, type Kernel, type KernelAttrs, type Operand, type Secret } from '../types.js';

const FREE = { rounds: 0, bytes: {}, dealerBytes: 0 } as const;

interface LocalOp {
  name: string;
  summary: string;
  many?: boolean;
  shape(shapes: readonly Shape[], attrs: KernelAttrs): Shape;
  apply(ring: RingBackend, xs: readonly RingTensor[], attrs: KernelAttrs, out: Shape): RingTensor;
}

function localKernel(op: LocalOp): Kernel {
  return {
    name: op.name,
    summary: `${op.summary}, locally`,
    reveals: false,
    operands: op.many ? ['secret...'] : ['secret'],
    outputShapes: (s, attrs) => [op.shape(s, attrs)],
    cost: () => FREE,
    async run(ctx, inputs: readonly Operand[], attrs) {
      if (inputs.some((i) => i.kind !== 'secret')) throw new TfeError('E_PLAN', `${op.name}: operands must be secret`);
      const xs = inputs as readonly Secret[];
      const out = op.shape(xs.map((x) => x.shape), attrs);
      if (!isServerCtx(ctx)) return [secret(out)];
      const shares = xs.map((x) => {
        if (!x.share) throw new TfeError('E_PROTOCOL', `${op.name}: ${ctx.role} lacks its share`);
        return x.share;
      });
      return [secret(out, op.apply(ctx.ring, shares, attrs, out))];
    },
  };
}

export const reshapeS = localKernel({
  name: 'reshape_s',
  summary: 'reshape to attrs.shape (one -1 allowed)',
  shape([s], attrs) {
    const want = intsAttr('reshape_s', attrs, 'shape');
    const n = sizeOf(s);
    const known = want.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const out = want.map((d) => (d === -1 ? n / known : d));
    if (want.filter((d) => d === -1).length > 1 || sizeOf(out.map((d) => (Number.isInteger(d) ? d : -1))) !== n) {
      throw new TfeError('E_SHAPE', `reshape_s: cannot reshape ${shapeStr(s)} to [${want.join(',')}]`);
    }
    return out;
  },
  apply: (_ring, [x], _attrs, out) => reshapeT(x, out),
});

export const transposeS = localKernel({
  name: 'transpose_s',
  summary: 'transpose by attrs.perm',
  shape: ([s], attrs) => intsAttr('transpose_s', attrs, 'perm', s.length).map((p) => s[p]),
  apply: (ring, [x], attrs) => ring.transpose(x, intsAttr('transpose_s', attrs, 'perm')),
});

export const padS = localKernel({
  name: 'pad_s',
  summary: 'zero padding by attrs.paddings [[before, after], ...]',
  shape([s], attrs) {
    const p = pairsAttr('pad_s', attrs, 'paddings');
    if (p.length !== s.length) throw new TfeError('E_SHAPE', `pad_s: ${p.length} paddings for rank ${s.length}`);
    return s.map((d, i) => d + p[i][0] + p[i][1]);
  },
  apply: (ring, [x], attrs) => ring.pad(x, pairsAttr('pad_s', attrs, 'paddings')),
});

export const sliceS = localKernel({
  name: 'slice_s',
  summary: 'slice attrs.begin / attrs.size (-1: to the end)',
  shape([s], attrs) {
    const b = intsAttr('slice_s', attrs, 'begin', s.length);
    return intsAttr('slice_s', attrs, 'size', s.length).map((z, i) => (z === -1 ? s[i] - b[i] : z));
  },
  apply: (ring, [x], attrs) => ring.slice(x, intsAttr('slice_s', attrs, 'begin'), intsAttr('slice_s', attrs, 'size')),
});

export const concatS = localKernel({
  name: 'concat_s',
  summary: 'concatenate along attrs.axis',
  many: true,
  shape(ss, attrs) {
    const ax = normAxis(intAttr('concat_s', attrs, 'axis'), ss[0].length);
    const out = [...ss[0]];
    out[ax] = ss.reduce((a, s) => a + s[ax], 0);
    return out;
  },
  apply: (ring, xs, attrs) => ring.concat(xs, intAttr('concat_s', attrs, 'axis')),
});

export const sumS = localKernel({
  name: 'sum_s',
  summary: 'sum over attrs.axes (attrs.keepDims)',
  shape([s], attrs) {
    const ax = intsAttr('sum_s', attrs, 'axes').map((a) => normAxis(a, s.length));
    return attrs.keepDims === true ? s.map((d, i) => (ax.includes(i) ? 1 : d)) : s.filter((_, i) => !ax.includes(i));
  },
  apply: (ring, [x], attrs) => ring.sum(x, intsAttr('sum_s', attrs, 'axes'), attrs.keepDims === true),
});
