/**
 * fold-ranges: replaces by a constant every node that depends on a random draw
 * (RandomUniform) but whose value its operands' VALUE RANGES pin to one number, then
 * drops the random nodes no longer needed. This is what makes a TF1 graph trained with
 * dropout compile: `x / keep_prob * floor(keep_prob + U)`, U uniform in [0, 1), has
 * floor(1 + U) = 1 once `--const keep_prob=1.0` has fed keep_prob, so the mask becomes
 * the constant 1 and the later passes drop the x / 1 and x * 1 (fold-constants,
 * remove-identity). No node names are matched: ranges follow the ops (value-ranges.ts).
 *
 * A folded node becomes a scalar Const. That keeps every consumer's result only when
 * broadcasting with the node's shape did not widen it, so a node is folded only when
 * all its consumers are elementwise binary ops whose other operand's shape (inferred
 * here as far as the unshaped graph allows) covers the node's shape, and it is not a
 * graph output. A random node left live afterwards is E_UNSUPPORTED naming it and the
 * fixed-shape inputs its branch reads, with the `--const` that would fold it.
 */
import { TfeError } from '../../src/errors.js';
import { consumers, reachableFrom, removeDeadNodes, unsupportedOp } from '../../src/ir/graph.js';
import type { IrGraph, IrNode, Shape } from '../../src/ir/node.js';
import { inferShape } from '../../src/ir/shape-rules.js';
import { constNumbers, isStatic, makeConst } from '../../src/ir/tensor-data.js';
import type { Pass } from './pass.js';
import { nodeRange, randomRange, type Interval } from './value-ranges.js';

/** Consumers that may take a scalar in place of the folded node (NumPy broadcasting). */
const BROADCASTING = new Set(['Add', 'Sub', 'Mul', 'RealDiv', 'Maximum', 'Minimum']);

/** A random node's shape: recorded, else the value of its shape operand (a Const, or Shape(y) of a shaped y). */
function randomShape(n: IrNode, shapes: ReadonlyMap<string, Shape | undefined>, byId: ReadonlyMap<string, IrNode>): Shape | undefined {
  if (n.shape) return n.shape;
  const hidden = n.attrs.unsupported_inputs;
  const first = Array.isArray(hidden) ? (hidden as readonly unknown[])[0] : n.inputs[0];
  const src = typeof first === 'string' ? byId.get(first.replace(/:0$/, '')) : undefined;
  if (!src) return undefined;
  if (src.op === 'Shape') return shapes.get(src.inputs[0]);
  const v = constNumbers(src);
  return v ?? undefined;
}

/** Best-effort shape of `n` before shape inference (undefined when unknown or contradictory). */
function localShape(n: IrNode, shapes: ReadonlyMap<string, Shape | undefined>, byId: ReadonlyMap<string, IrNode>): Shape | undefined {
  if (n.shape) return n.shape;
  if (randomRange(n) !== undefined) return randomShape(n, shapes, byId);
  if (unsupportedOp(n) !== undefined) return undefined;
  const operands = n.inputs.map((i) => ({ ...(byId.get(i) as IrNode), shape: shapes.get(i) }));
  if (operands.some((o) => o.shape === undefined)) return undefined;
  try {
    return inferShape(n, operands);
  } catch {
    return undefined; // a contradiction is reported by shape-inference, with its own message
  }
}

/** True when broadcasting `other` with `s` gives `other`'s shape (so a scalar may stand for `s`). */
function covers(other: Shape | undefined, s: Shape): boolean {
  if (!other || other.length < s.length) return false;
  for (let i = 1; i <= s.length; i++) {
    const d = s[s.length - i];
    if (d !== 1 && d !== other[other.length - i]) return false;
  }
  return true;
}

function unfoldedRandomError(g: IrGraph, random: readonly IrNode[]): TfeError {
  const r = random[0];
  const downstream = new Set<string>([r.id]);
  for (const n of g.nodes) if (n.inputs.some((i) => downstream.has(i))) downstream.add(n.id);
  const upstream = reachableFrom(g, [...downstream]);
  const flags = g.nodes.filter((n) => n.op === 'Placeholder' && unsupportedOp(n) === undefined && upstream.has(n.id) && (n.shape === undefined || isStatic(n.shape)));
  const names = random.map((n) => `'${n.id}'`).join(', ');
  return new TfeError(
    'E_UNSUPPORTED',
    `${g.source.path}: node${random.length > 1 ? 's' : ''} ${names} (op RandomUniform) draw${random.length > 1 ? '' : 's'} random numbers at prediction time (a training-time dropout branch?) and ${random.length > 1 ? 'do' : 'does'} not fold to a constant`,
    flags.length > 0
      ? `feed the training-only input${flags.length > 1 ? 's as constants' : ' as a constant'}, e.g. ${flags.map((f) => `--const ${f.id}=1.0`).join(' ')} (keep_prob=1.0 turns dropout off), so that the branch folds away`
      : 'a model for inference must not draw random numbers: export it without the dropout branch, or feed its keep probability with --const NAME=1.0',
  );
}

export const foldRangesPass: Pass = {
  name: 'fold-ranges',
  purpose: 'replace nodes that depend on a random draw but whose value range is one number by constants',
  run(g) {
    if (!g.nodes.some((n) => randomRange(n) !== undefined)) return g;
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const shapes = new Map<string, Shape | undefined>();
    const ranges = new Map<string, Interval | undefined>();
    const random = new Set<string>();
    for (const n of g.nodes) {
      shapes.set(n.id, localShape(n, shapes, byId));
      ranges.set(n.id, nodeRange(n, n.inputs.map((i) => ranges.get(i))));
      if (randomRange(n) !== undefined || n.inputs.some((i) => random.has(i))) random.add(n.id);
    }
    const uses = consumers(g);
    const outputs = new Set(g.outputs);
    const folded = new Map<string, IrNode>();
    for (const n of g.nodes) {
      const r = ranges.get(n.id);
      const s = shapes.get(n.id);
      if (!random.has(n.id) || r === undefined || r.lo !== r.hi || s === undefined || outputs.has(n.id)) continue;
      // Only the last constant node of a chain matters; skip one whose consumers are all constant too.
      const users = (uses.get(n.id) ?? []).map((u) => byId.get(u) as IrNode);
      if (users.length === 0 || users.every((u) => { const ur = ranges.get(u.id); return ur !== undefined && ur.lo === ur.hi && random.has(u.id); })) continue;
      const safe = users.every((u) => BROADCASTING.has(u.op) && u.inputs.length === 2 && u.inputs.every((i) => i === n.id || covers(shapes.get(i), s)));
      if (safe) folded.set(n.id, makeConst(n.id, n.dtype, [], Float64Array.of(r.lo)));
    }
    const out = folded.size === 0 ? g : removeDeadNodes({ ...g, nodes: g.nodes.map((n) => folded.get(n.id) ?? n) });
    const left = out.nodes.filter((n) => randomRange(n) !== undefined);
    // Other unsupported ops as well: check-supported lists them all at once.
    if (left.length > 0 && !out.nodes.some((n) => unsupportedOp(n) !== undefined && randomRange(n) === undefined)) throw unfoldedRandomError(out, left);
    return out;
  },
};
