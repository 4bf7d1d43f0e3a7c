/**
 * Data movement and sums on shares, computed locally by each server (they commute
 * with additive sharing): reshape, transpose, pad (with zeros), slice, concat, sum.
 */
import { TfeError } from '../../../src/errors.js';
import { intAttr, intsAttr, pairsAttr } from '../../../src/protocols/attrs.js';
import { pondSpec } from '../../../src/protocols/pond.js';
import type { KernelAttrs } from '../../../src/protocols/spec.js';
import type { RingBackend } from '../../ring/backend.js';
import { reshape, type RingTensor, type Shape } from '../../ring/tensor.js';
import { isServerCtx } from '../open.js';
import { implement, secret, type Kernel } from '../types.js';

type Apply = (ring: RingBackend, xs: readonly RingTensor[], attrs: KernelAttrs, out: Shape) => RingTensor;

function localKernel(name: string, apply: Apply): Kernel {
  const spec = pondSpec(name);
  return implement(spec, async (ctx, inputs, attrs) => {
    const out = spec.outputShapes(inputs.map((x) => x.shape), attrs)[0];
    if (!isServerCtx(ctx)) return [secret(out)];
    const shares = inputs.map((x) => {
      if (x.kind !== 'secret' || !x.share) throw new TfeError('E_PROTOCOL', `${name}: ${ctx.role} lacks its share`);
      return x.share;
    });
    return [secret(out, apply(ctx.ring, shares, attrs, out))];
  });
}

export const reshapeS = localKernel('reshape_s', (_ring, [x], _attrs, out) => reshape(x, out));
export const transposeS = localKernel('transpose_s', (ring, [x], attrs) => ring.transpose(x, intsAttr('transpose_s', attrs, 'perm')));
export const padS = localKernel('pad_s', (ring, [x], attrs) => ring.pad(x, pairsAttr('pad_s', attrs, 'paddings')));
export const sliceS = localKernel('slice_s', (ring, [x], attrs) => ring.slice(x, intsAttr('slice_s', attrs, 'begin'), intsAttr('slice_s', attrs, 'size')));
export const concatS = localKernel('concat_s', (ring, xs, attrs) => ring.concat(xs, intAttr('concat_s', attrs, 'axis')));
export const sumS = localKernel('sum_s', (ring, [x], attrs) => ring.sum(x, intsAttr('sum_s', attrs, 'axes'), attrs.keepDims === true));
