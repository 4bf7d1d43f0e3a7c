/**
 * Runs an IR graph on float64 tensors with the kernel registry: Placeholders take the
 * fed values, Consts their values, every other node its kernel. Values are dropped as
 * soon as their last consumer has run, so large batches stay within memory.
 */
import { TfeError } from '../../errors.js';
import type { IrGraph, IrNode } from '../node.js';
import { constValue, tensorToFloat64 } from '../tensor-data.js';
import { KERNELS } from './kernels.js';
import type { Tensor } from './tensor.js';

/** The value of a Const node as a tensor. */
export function constTensor(n: IrNode): Tensor {
  const v = constValue(n);
  if (!v) throw new TfeError('E_IR', `node "${n.id}" is not a Const with a value`);
  return { shape: v.shape, data: tensorToFloat64(v, `node "${n.id}"`) };
}

/** Evaluates one node on its operand values. Errors are rethrown naming the node. */
export function evalNode(n: IrNode, ins: readonly Tensor[]): Tensor {
  if (n.op === 'Const') return constTensor(n);
  try {
    return KERNELS[n.op](n, ins);
  } catch (e) {
    if (e instanceof TfeError) throw e;
    throw new TfeError('E_IR', `node "${n.id}" (${n.op}) failed to evaluate: ${(e as Error).message}`);
  }
}

/**
 * Evaluates `outputs` (default: the graph's outputs) given a value for each
 * Placeholder they need (keyed by node id). E_ARG naming a missing feed.
 */
export function evaluateGraph(g: IrGraph, feeds: ReadonlyMap<string, Tensor>, outputs: readonly string[] = g.outputs): Tensor[] {
  const remaining = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) remaining.set(i, (remaining.get(i) ?? 0) + 1);
  const keep = new Set(outputs);
  const values = new Map<string, Tensor>();
  for (const n of g.nodes) {
    let v: Tensor;
    if (n.op === 'Placeholder') {
      const f = feeds.get(n.id);
      if (!f) {
        if (!(remaining.get(n.id) ?? 0) && !keep.has(n.id)) continue;
        throw new TfeError('E_ARG', `no value fed for input "${n.id}"`, `feed every graph input: ${g.inputs.join(', ')}`);
      }
      v = f;
    } else {
      const ins = n.inputs.map((i) => {
        const t = values.get(i);
        if (!t) throw new TfeError('E_IR', `node "${n.id}" uses "${i}", which has no value (graph not in topological order?)`);
        return t;
      });
      v = evalNode(n, ins);
    }
    values.set(n.id, v);
    for (const i of n.inputs) {
      const left = (remaining.get(i) ?? 1) - 1;
      remaining.set(i, left);
      if (left === 0 && !keep.has(i)) values.delete(i);
    }
  }
  return outputs.map((o) => {
    const t = values.get(o);
    if (!t) throw new TfeError('E_IR', `output "${o}" was not computed`);
    return t;
  });
}
