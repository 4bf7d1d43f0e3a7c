/**
 * The plaintext reference protocol: the same kernel names and interface as Pond,
 * computed in the clear by one party on the BigInt reference ring backend (a
 * Secret's `share` holds the whole value). It is the oracle of the conformance
 * suite: every Pond kernel must equal it exactly, except where Pond's doc states a
 * bound (trunc_s: +1 ulp; poly_s: a few ulps).
 * Written from the kernels' definitions (windows, signed comparisons, floors) and
 * not from Pond's code.
 */
import { TfeError } from '../../../src/errors.js';
import { decode, encode } from '../../../src/fixed/index.js';
import { jsBackend } from '../../ring/js.js';
import { reshape, ringTensor, sizeOf, type RingTensor } from '../../ring/tensor.js';
import { intAttr, intsAttr, numsAttr, pairsAttr, strAttr } from '../../../src/protocols/attrs.js';
import { maxpoolRelu, POND_SPECS } from '../../../src/protocols/pond.js';
import { pond } from '../pond/index.js';
import { KernelRegistry } from '../registry.js';
import { pub, secret, type Kernel, type KernelAttrs, type Operand } from '../types.js';

const ring = jsBackend;
const S = (v: bigint): bigint => BigInt.asIntN(64, v);
const U = (v: bigint): bigint => BigInt.asUintN(64, v);

function val(o: Operand): RingTensor {
  const t = o.kind === 'secret' ? o.share : o.value;
  if (!t) throw new TfeError('E_PROTOCOL', 'reference protocol: operand without a value');
  return t;
}

type Eval = (xs: RingTensor[], attrs: KernelAttrs) => RingTensor;

/** A reference kernel with Pond's name, operands, shapes and cost declaration, evaluated in the clear. */
function ref(name: string, f: Eval, out: 'secret' | 'public' = 'secret'): Kernel {
  const p = pond.get(name);
  return {
    ...p,
    async run(_ctx, inputs, attrs) {
      const v = f(inputs.map(val), attrs);
      return [out === 'secret' ? secret(v.shape, v) : pub(v.shape, v)];
    },
  };
}

function conv(kind: 'conv' | 'dw'): Eval {
  return ([x, w], attrs) => {
    const s = intsAttr('conv', attrs, 'strides', 2);
    const o = { strides: [s[0], s[1]] as const, padding: strAttr('conv', attrs, 'padding', ['SAME', 'VALID'] as const) };
    return kind === 'conv' ? ring.conv2d(x, w, o) : ring.depthwiseConv2d(x, w, o);
  };
}

/** Window reduction over NHWC with TF geometry, visiting only in-bounds taps. */
function pool(x: RingTensor, attrs: KernelAttrs, reduce: (vals: bigint[], count: number) => bigint): RingTensor {
  const [kh, kw] = intsAttr('pool', attrs, 'ksize', 2);
  const [sh, sw] = intsAttr('pool', attrs, 'strides', 2);
  const same = strAttr('pool', attrs, 'padding', ['SAME', 'VALID'] as const) === 'SAME';
  const [n, h, w, c] = x.shape;
  const oh = same ? Math.ceil(h / sh) : Math.floor((h - kh) / sh) + 1;
  const ow = same ? Math.ceil(w / sw) : Math.floor((w - kw) / sw) + 1;
  const pt = same ? Math.floor(Math.max((oh - 1) * sh + kh - h, 0) / 2) : 0;
  const pl = same ? Math.floor(Math.max((ow - 1) * sw + kw - w, 0) / 2) : 0;
  const out = new BigUint64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let ch = 0; ch < c; ch++) {
          const vals: bigint[] = [];
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = y * sh + ky - pt;
              const ix = xx * sw + kx - pl;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) vals.push(x.data[((b * h + iy) * w + ix) * c + ch]);
            }
          out[((b * oh + y) * ow + xx) * c + ch] = U(reduce(vals, vals.length));
        }
  return ringTensor([n, oh, ow, c], out);
}

function map(x: RingTensor, f: (v: bigint) => bigint): RingTensor {
  return ringTensor(x.shape, x.data.map((v) => U(f(v))));
}

export const reference = new KernelRegistry('ref', POND_SPECS, [
  ref('share', ([x]) => x),
  ref('reveal', ([x]) => x, 'public'),
  ref('publish', ([x]) => x, 'public'),
  // in the clear there is no mask: the "opened masked weight" is the weight itself
  ref('mask_s', ([w]) => w, 'public'),
  ref('add_ss', ([a, b]) => ring.add(a, b)),
  ref('add_sp', ([a, b]) => ring.add(a, b)),
  ref('sub_ss', ([a, b]) => ring.sub(a, b)),
  ref('sub_sp', ([a, b]) => ring.sub(a, b)),
  ref('sub_ps', ([a, b]) => ring.sub(a, b)),
  ref('neg_s', ([a]) => ring.neg(a)),
  ref('mul_ss', ([a, b]) => ring.mul(a, b)),
  ref('mul_sp', ([a, b]) => ring.mul(a, b)),
  ref('matmul_ss', ([a, b]) => ring.matmul(a, b)),
  ref('matmul_sp', ([a, b]) => ring.matmul(a, b)),
  ref('matmul_ps', ([a, b]) => ring.matmul(a, b)),
  ref('conv2d_ss', conv('conv')),
  ref('conv2d_sp', conv('conv')),
  ref('depthwise_conv2d_ss', conv('dw')),
  ref('depthwise_conv2d_sp', conv('dw')),
  ref('trunc_s', ([x], attrs) => map(x, (v) => S(v) >> BigInt(intAttr('trunc_s', attrs, 'bits', 1, 62)))),
  ref('poly_s', ([x], attrs) => {
    const c = numsAttr('poly_s', attrs, 'coeffs');
    const f = intAttr('poly_s', attrs, 'fracBits', 1, 30);
    const xs = decode(x.data, f);
    return ringTensor(x.shape, encode(Array.from(xs, (v) => c.reduce((acc, ck, k) => acc + ck * v ** k, 0)), f));
  }),
  ref('drelu_s', ([x]) => map(x, (v) => (S(v) >= 0n ? 1n : 0n))),
  ref('relu_s', ([x]) => map(x, (v) => (S(v) >= 0n ? v : 0n))),
  ref('select_s', ([c, x, y]) => ringTensor(x.shape, x.data.map((v, i) => (c.data[i] === 1n ? v : y.data[i])))),
  ref('maxpool_s', ([x], attrs) => pool(x, attrs, (vals) => {
    const m = vals.reduce((a, v) => (S(v) > S(a) ? v : a));
    return maxpoolRelu(attrs) && S(m) < 0n ? 0n : m;
  })),
  ref('avgpool_s', ([x], attrs) => {
    const f = intAttr('avgpool_s', attrs, 'fracBits', 0, 62);
    return pool(x, attrs, (vals, count) => vals.reduce((a, v) => a + v, 0n) * encode([1 / count], f)[0]);
  }),
  ref('argmax_s', ([x]) => {
    const k = x.shape[x.shape.length - 1];
    const m = sizeOf(x.shape) / k;
    const out = new BigUint64Array(m);
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (S(x.data[i * k + j]) > S(x.data[i * k + best])) best = j;
      out[i] = BigInt(best);
    }
    return ringTensor(x.shape.slice(0, -1), out);
  }),
  ref('reshape_s', ([x], attrs) => reshape(x, pond.get('reshape_s').outputShapes([x.shape], attrs)[0])),
  ref('transpose_s', ([x], attrs) => ring.transpose(x, intsAttr('transpose_s', attrs, 'perm'))),
  ref('pad_s', ([x], attrs) => ring.pad(x, pairsAttr('pad_s', attrs, 'paddings'))),
  ref('slice_s', ([x], attrs) => ring.slice(x, intsAttr('slice_s', attrs, 'begin'), intsAttr('slice_s', attrs, 'size'))),
  ref('concat_s', (xs, attrs) => ring.concat(xs, intAttr('concat_s', attrs, 'axis'))),
  ref('sum_s', ([x], attrs) => ring.sum(x, intsAttr('sum_s', attrs, 'axes'), attrs.keepDims === true)),
]);
