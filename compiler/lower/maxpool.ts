/**
 * maxpool without a maxpool kernel: for non-overlapping VALID windows (strides =
 * ksize, the windows of Keras' default MaxPooling2D), the input [N, H, W, C] is cut to
 * [N, Ho*kh, Wo*kw, C] (the rows and columns VALID drops), reshaped to
 * [N, Ho, kh, Wo, kw, C], transposed to [N, Ho, Wo, C, kh, kw] and flattened to the
 * window's k = kh*kw candidates on the last axis; a tournament then halves them per
 * level: the first half a against the second half b, bit = drelu_s(a - b) = [a >= b],
 * max = select_s(bit, a, b), an odd one out carried to the next level (concat_s). That
 * is ceil(log2 k) levels of one comparison (8 rounds) and one select (1 round), all
 * exact; a - b needs one bit more headroom than a and b (the fixed-point pass keeps
 * values below 2^62, the comparison needs |a - b| < 2^62: bounds far below it in
 * practice). Overlapping or SAME windows have no such fallback and are reported. A
 * folded ReLU (attrs.relu) is applied to the maximum: drelu_s, then mul_ss.
 */
import type { PlanTensor } from '../../src/plan/schema.js';
import type { LowerContext, LowerRule } from './lower.js';
import { firstAvailable, unary } from './rules.js';

const KERNELS = ['slice_s', 'reshape_s', 'transpose_s', 'sub_ss', 'drelu_s', 'select_s', 'concat_s', 'mul_ss'] as const;

/** The rule for ksize = strides, VALID; a problem otherwise. */
const tournament: LowerRule = (c: LowerContext) => {
  const n = c.node;
  const x = c.ins[0];
  const [kh, kw] = n.attrs.ksize as number[];
  const [sh, sw] = n.attrs.strides as number[];
  if (n.attrs.padding !== 'VALID' || kh !== sh || kw !== sw || x.shape.length !== 4 || n.shape.length !== 4) {
    c.fail(`protocol ${c.protocol.name} has no kernel 'maxpool_s', and its tournament fallback takes only non-overlapping VALID windows (strides = ksize)`);
    return;
  }
  if (x.visibility !== 'secret') {
    c.fail('a public operand where the kernel takes secrets');
    return;
  }
  const [, ho, wo, ch] = n.shape;
  const f = x.scale;
  const run = (kernel: string, ins: PlanTensor[], name: string, shape: readonly number[], attrs = {}): PlanTensor => c.step('predict', kernel, ins, c.temp(name, shape, f), attrs);
  let v = x;
  if (x.shape[1] !== ho * kh || x.shape[2] !== wo * kw) v = run('slice_s', [v], 'cut', [-1, ho * kh, wo * kw, ch], { begin: [0, 0, 0, 0], size: [-1, ho * kh, wo * kw, ch] });
  v = run('reshape_s', [v], 'windows', [-1, ho, kh, wo, kw, ch], { shape: [-1, ho, kh, wo, kw, ch] });
  v = run('transpose_s', [v], 'windows_last', [-1, ho, wo, ch, kh, kw], { perm: [0, 1, 3, 5, 2, 4] });
  let k = kh * kw;
  v = run('reshape_s', [v], 'candidates', [-1, ho, wo, ch, k], { shape: [-1, ho, wo, ch, k] });
  const part = (t: PlanTensor, begin: number, size: number, name: string): PlanTensor => run('slice_s', [t], name, [-1, ho, wo, ch, size], { begin: [0, 0, 0, 0, begin], size: [-1, -1, -1, -1, size] });
  for (let level = 0; k > 1; level++) {
    const p = Math.floor(k / 2);
    const a = part(v, 0, p, `l${level}_a`);
    const b = part(v, p, p, `l${level}_b`);
    const d = run('sub_ss', [a, b], `l${level}_diff`, a.shape);
    const bit = c.step('predict', 'drelu_s', [d], c.temp(`l${level}_bit`, a.shape, 0));
    let m = run('select_s', [bit, a, b], `l${level}_max`, a.shape);
    if (k % 2 === 1) m = run('concat_s', [m, part(v, 2 * p, 1, `l${level}_odd`)], `l${level}_next`, [-1, ho, wo, ch, p + 1], { axis: 4 });
    v = m;
    k = Math.ceil(k / 2);
  }
  if (n.attrs.relu !== true) {
    c.bind(c.step('predict', 'reshape_s', [v], c.secretOut(), { shape: [...n.shape] }));
    return;
  }
  // a folded ReLU (maxpool-relu-fuse): max(m, 0) = m * [m >= 0]
  const m = run('reshape_s', [v], 'max', [...n.shape], { shape: [...n.shape] });
  const bit = c.step('predict', 'drelu_s', [m], c.temp('nonnegative', m.shape, 0));
  c.bind(c.step('predict', 'mul_ss', [m, bit], c.secretOut()));
};

/** maxpool: the protocol's maxpool_s, else the tournament above. */
export const maxpool: LowerRule = firstAvailable([
  { kernels: ['maxpool_s'], rule: unary('maxpool_s', (a) => ({ ksize: a.ksize as number[], strides: a.strides as number[], padding: a.padding as string, ...(a.relu === true ? { relu: true } : {}), method: a.method === 'pairs' || a.method === 'auto' ? a.method : 'tournament' })) },
  { kernels: KERNELS, rule: tournament },
]);
