/**
 * The ring IR verifier, run after every secure pass (the level boundary is the first
 * run, on the output of to-ring). Rules (each failure is E_IR naming the pass, the
 * node and the rule):
 * - `unique-id`, `operand-order`: ids are unique, operands precede their consumer.
 * - `arity`: operand counts match RING_ARITY.
 * - `const-value`: a const holds as many values as its (static) shape says.
 * - `visible` (stage 'visible' on): every node has a visibility; computed nodes are
 *   secret when any operand is.
 * - `scaled` (stage 'scaled'): every node has a scale in 0..62 and a bound; products
 *   have the sum of their operands' scales; add/sub/concat operands share one scale;
 *   trunc lowers the scale by its bits; rescale raises it by its shift; and
 *   bound * 2^scale < 2^62 (the headroom every truncation and comparison needs).
 */
import { TfeError } from '../../src/errors.js';
import { RING_ARITY, inRingGroup, type RingGraph, type RingNode } from '../../src/ir/ring-ops.js';

export type RingStage = 'ring' | 'visible' | 'scaled';

/** The headroom limit: values must stay below 2^62 in the ring. */
export const HEADROOM_LOG2 = 62;

function broken(after: string, n: RingNode, rule: string, msg: string): never {
  throw new TfeError('E_IR', `ring IR check failed after ${after}: node "${n.id}" (${n.op}) breaks rule ${rule}: ${msg}`);
}

function staticSize(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * (d < 0 ? 1 : d), 1);
}

export function verifyRing(g: RingGraph, stage: RingStage, after: string): void {
  const seen = new Map<string, RingNode>();
  const want = stage === 'scaled' ? 2 : stage === 'visible' ? 1 : 0;
  for (const n of g.nodes) {
    if (seen.has(n.id)) broken(after, n, 'unique-id', 'id used twice');
    const ins = n.inputs.map((i) => seen.get(i) ?? broken(after, n, 'operand-order', `operand "${i}" does not precede it`));
    const [lo, hi] = RING_ARITY[n.op];
    if (ins.length < lo || ins.length > hi) broken(after, n, 'arity', `${ins.length} operands`);
    if (n.op === 'const' && (!n.value || n.value.length !== staticSize(n.shape))) broken(after, n, 'const-value', 'value does not match the shape');
    if (want >= 1) {
      if (!n.vis) broken(after, n, 'visible', 'no visibility');
      if (n.op !== 'const' && n.op !== 'input' && ins.some((m) => m.vis === 'secret') && n.vis !== 'secret') broken(after, n, 'visible', 'public result of a secret operand');
    }
    if (want >= 2) checkScale(after, n, ins);
    seen.set(n.id, n);
  }
}

function checkScale(after: string, n: RingNode, ins: readonly RingNode[]): void {
  const s = n.scale;
  if (s === undefined || !Number.isInteger(s) || s < 0 || s > HEADROOM_LOG2) broken(after, n, 'scaled', `scale ${s}`);
  if (n.bound === undefined || !(n.bound >= 0)) broken(after, n, 'scaled', 'no bound');
  const sc = ins.map((m) => m.scale as number);
  if (inRingGroup(n.op, 'product') && s !== sc[0] + sc[1]) broken(after, n, 'scaled', `product scale ${s} != ${sc[0]} + ${sc[1]}`);
  if ((n.op === 'add' || n.op === 'sub' || n.op === 'concat') && sc.some((x) => x !== s)) broken(after, n, 'scaled', `operand scales ${sc.join(', ')} differ from ${s}`);
  if (n.op === 'trunc' && s !== sc[0] - Number(n.attrs.bits)) broken(after, n, 'scaled', `trunc by ${String(n.attrs.bits)} from ${sc[0]} gives ${s}`);
  if (n.op === 'rescale' && s !== sc[0] + Number(n.attrs.shift)) broken(after, n, 'scaled', `rescale by ${String(n.attrs.shift)} from ${sc[0]} gives ${s}`);
  if (n.op !== 'const' && n.bound * 2 ** s >= 2 ** HEADROOM_LOG2) broken(after, n, 'scaled', `bound ${n.bound} at scale ${s} reaches 2^62`);
}
