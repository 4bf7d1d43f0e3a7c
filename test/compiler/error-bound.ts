/**
 * A worst-case bound on the fixed-point error of a scaled ring graph (tests only), to
 * derive the simulation tolerance from the fractional bits rather than guess it.
 * Per node, a bound on |computed - exact| (reals), propagated:
 * - input: 2^-(f+1) (rounding); const: encoding error 2^-(scale+1) per element.
 * - product x*W: L * e_x + K * B_x * 2^-(s_W+1) + K * e_x * 2^-(s_W+1), with L the
 *   largest L1 norm of a weight column (an output's fan-in), K the fan-in, B_x the
 *   bound of x (the weights' encoding errors act on |x| <= B_x).
 * - add/sub: e_a + e_b; relu, maxpool, layout: e; avgpool: e plus the reciprocal's
 *   encoding error times B_x (0 when exact); trunc: e + 2^-s_out (floor: up to one ulp).
 * Outputs revealed without truncation add nothing.
 */
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';

function colNorms(w: RingNode): { l1: number; fanIn: number } {
  const v = w.value as Float64Array;
  const out = w.shape[w.shape.length - 1];
  const sums = new Float64Array(out);
  for (let i = 0; i < v.length; i++) sums[i % out] += Math.abs(v[i]);
  return { l1: Math.max(...sums), fanIn: v.length / out };
}

export function errorBounds(g: RingGraph): Map<string, number> {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const e = new Map<string, number>();
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => e.get(i) ?? 0);
    const s = n.scale ?? g.fracBits;
    let err: number;
    switch (n.op) {
      case 'input':
        err = 2 ** -(s + 1);
        break;
      case 'const':
        err = 2 ** -(s + 1);
        break;
      case 'matmul':
      case 'conv2d':
      case 'depthwise_conv2d':
      case 'mul': {
        // the constant factor may come first (a * x)
        const constFirst = n.op === 'mul' && byId.get(n.inputs[0])?.op === 'const' && byId.get(n.inputs[1])?.op !== 'const';
        const [xi, wi] = constFirst ? [1, 0] : [0, 1];
        const w = byId.get(n.inputs[wi]) as RingNode;
        const x = byId.get(n.inputs[xi]) as RingNode;
        if (constFirst) ins.reverse();
        if (w.op !== 'const') throw new Error('errorBounds: only products by constants are modelled');
        const { l1, fanIn } = n.op === 'mul' ? { l1: Math.max(...Array.from(w.value as Float64Array, Math.abs)), fanIn: 1 } : colNorms(w);
        const k = n.op === 'depthwise_conv2d' ? fanIn : fanIn;
        const ew = 2 ** -((w.scale as number) + 1);
        err = l1 * ins[0] + k * (x.bound as number) * ew + k * ins[0] * ew;
        break;
      }
      case 'add':
      case 'sub':
        err = ins[0] + ins[1];
        break;
      case 'trunc':
        err = ins[0] + 2 ** -s;
        break;
      case 'avgpool': {
        const k = (n.attrs.ksize as number[]).reduce((a, d) => a * d, 1);
        const fb = n.attrs.fracBits as number;
        const exact = Number.isInteger(Math.log2(k)) && 2 ** fb >= k;
        err = ins[0] + (exact ? 0 : 2 ** -(fb + 1) * k * (byId.get(n.inputs[0])?.bound ?? 0));
        break;
      }
      default:
        err = Math.max(0, ...ins);
    }
    e.set(n.id, err);
  }
  return e;
}
