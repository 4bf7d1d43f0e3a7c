/**
 * Property test of the whole pass pipeline: random conv / dense chains with the
 * patterns the passes rewrite (FusedBatchNorm and Rsqrt batch-norm fragments after
 * linear ops with or without a bias, Identity, x*1, flatten through a Pack-computed
 * shape, pooling, extra outputs that share an intermediate value) must compute the
 * same outputs after the pipeline as before (float64 interpreter on both; 1e-9 allows
 * only re-association of the folded constants). Seeds are fixed, so a failure replays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PASS_OPTIONS } from '../../compiler/passes/pass.js';
import { runPipeline } from '../../compiler/pipeline.js';
import { runIr } from '../../runtime/plaintext/interpreter.js';
import type { IrGraph, IrNode } from '../../src/ir/node.js';
import { pseudoRandom } from '../e2e-frontends/helpers.js';
import { constF, constI, graph, node } from '../ir/fixtures.js';

/** A small deterministic generator (LCG): reproducible structure, not security. */
class Gen {
  private s: number;
  private k = 0;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  values(n: number, lo = -1, hi = 1): number[] {
    return Array.from(pseudoRandom(n, this.int(1e9), lo, hi));
  }
  id(base: string): string {
    return `${base}_${this.k++}`;
  }
}

function randomGraph(seed: number): { g: IrGraph; shape: number[] } {
  const r = new Gen(seed);
  const nodes: IrNode[] = [];
  const outputs: string[] = [];
  const add = (n: IrNode): string => {
    nodes.push(n);
    return n.id;
  };
  const inShape = [-1, 6 + r.int(3), 6 + r.int(3), 1 + r.int(3)];
  let cur = add(node('x', 'Placeholder', [], {}, inShape));
  let shape = [...inShape];
  let linear = false; // the current value is a linear op (or linear + bias)
  const bn = (channels: number): void => {
    const [g0, b0, m0, v0] = [r.values(channels, 0.5, 1.5), r.values(channels), r.values(channels), r.values(channels, 0.2, 2)];
    if (r.next() < 0.5) {
      const ps = ['g', 'b', 'm', 'v'].map((p, i) => add(constF(r.id(p), [channels], [g0, b0, m0, v0][i])));
      cur = add(node(r.id('bn'), 'FusedBatchNorm', [cur, ...ps], { epsilon: 0.001 }));
    } else {
      // tf.nn.batch_normalization: x * (gamma * rsqrt(var + eps)) + (beta - mean * gamma * rsqrt(var + eps)).
      const v = add(constF(r.id('var'), [channels], v0));
      const eps = add(constF(r.id('eps'), [], [0.001]));
      const rs = add(node(r.id('rsqrt'), 'Rsqrt', [add(node(r.id('add'), 'Add', [v, eps]))]));
      const mul = add(node(r.id('mul'), 'Mul', [rs, add(constF(r.id('gamma'), [channels], g0))]));
      const scaled = add(node(r.id('mul1'), 'Mul', [cur, mul]));
      const shift = add(node(r.id('sub'), 'Sub', [add(constF(r.id('beta'), [channels], b0)), add(node(r.id('mul2'), 'Mul', [add(constF(r.id('mean'), [channels], m0)), mul]))]));
      cur = add(node(r.id('add1'), 'Add', [scaled, shift]));
    }
    linear = false;
  };
  for (let step = 0; step < 9; step++) {
    const c = shape[shape.length - 1];
    const choice = r.pick(shape.length === 4 ? ['conv', 'depthwise', 'bias', 'bn', 'relu', 'identity', 'one', 'pool', 'flatten', 'share'] : ['dense', 'bias', 'bn', 'relu', 'identity', 'one', 'share']);
    if (choice === 'conv' || choice === 'depthwise') {
      const [kh, kw] = [1 + r.int(3), 1 + r.int(3)];
      const s = 1 + r.int(2);
      const pad = r.pick(['SAME', 'VALID']);
      const out = (n: number, k: number): number => (pad === 'SAME' ? Math.ceil(n / s) : Math.ceil((n - k + 1) / s));
      if (out(shape[1], kh) < 1 || out(shape[2], kw) < 1) continue;
      const m = choice === 'conv' ? 1 + r.int(9) : 1 + r.int(2);
      const f = add(constF(r.id('filter'), [kh, kw, c, m], r.values(kh * kw * c * m)));
      cur = add(node(r.id(choice), choice === 'conv' ? 'Conv2D' : 'DepthwiseConv2D', [cur, f], { strides: [s, s], padding: pad }));
      shape = [-1, out(shape[1], kh), out(shape[2], kw), choice === 'conv' ? m : c * m];
      linear = true;
    } else if (choice === 'dense') {
      const n = 1 + r.int(7);
      const tb = r.next() < 0.3;
      const w = add(constF(r.id('w'), tb ? [n, c] : [c, n], r.values(c * n)));
      cur = add(node(r.id('matmul'), 'MatMul', [cur, w], { transpose_a: false, transpose_b: tb }));
      shape = [-1, n];
      linear = true;
    } else if (choice === 'bias') {
      const b = add(constF(r.id('bias'), [c], r.values(c)));
      cur = add(node(r.id('bias'), r.next() < 0.5 ? 'BiasAdd' : 'Add', [cur, b]));
    } else if (choice === 'bn') {
      bn(c);
    } else if (choice === 'relu') {
      cur = add(node(r.id('relu'), 'Relu', [cur]));
      linear = false;
    } else if (choice === 'identity') {
      cur = add(node(r.id('id'), 'Identity', [cur]));
    } else if (choice === 'one') {
      cur = add(node(r.id('times1'), 'Mul', [cur, add(constF(r.id('one'), [], [1]))]));
    } else if (choice === 'pool') {
      if (shape[1] < 2 || shape[2] < 2) continue;
      cur = add(node(r.id('pool'), r.pick(['MaxPool', 'AvgPool']), [cur], { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'SAME' }));
      shape = [-1, Math.ceil(shape[1] / 2), Math.ceil(shape[2] / 2), c];
      linear = false;
    } else if (choice === 'flatten') {
      const n = shape[1] * shape[2] * c;
      const target = add(node(r.id('flat_shape'), 'Pack', [add(constI(r.id('batch'), [-1], [])), add(constI(r.id('n'), [n], []))], { axis: 0 }, undefined, 'int32'));
      cur = add(node(r.id('flatten'), 'Reshape', [cur, target]));
      shape = [-1, n];
      linear = false;
    } else if (choice === 'share' && linear) {
      // A second consumer of a linear op's value: the passes must not fold into it.
      outputs.push(add(node(r.id('side'), 'Relu', [cur])));
    }
  }
  outputs.unshift(cur);
  return { g: graph(nodes, ['x'], outputs, `random:${seed}`), shape: inShape };
}

test('the pipeline preserves what 60 random graphs compute', () => {
  let folded = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const { g, shape } = randomGraph(seed);
    const x = { shape: [3, ...shape.slice(1)], data: pseudoRandom(3 * shape[1] * shape[2] * shape[3], seed, -2, 2) };
    const want = runIr(g, { x });
    const after = runPipeline(g, DEFAULT_PASS_OPTIONS);
    const got = runIr(after, { x });
    assert.equal(after.outputs.length, g.outputs.length, `seed ${seed}`);
    g.outputs.forEach((o, k) => {
      const a = want[o];
      const b = got[after.outputs[k]];
      assert.deepEqual([...b.shape], [...a.shape], `seed ${seed} output ${o}`);
      for (let i = 0; i < a.data.length; i++) {
        assert.ok(Math.abs(a.data[i] - b.data[i]) <= 1e-9 * Math.max(1, Math.abs(a.data[i])), `seed ${seed} output ${o}[${i}]: ${b.data[i]} vs ${a.data[i]}`);
      }
    });
    if (!after.nodes.some((n) => n.op === 'FusedBatchNorm' || n.op === 'Rsqrt' || n.op === 'Identity')) folded++;
  }
  assert.equal(folded, 60, 'no FusedBatchNorm, Rsqrt or Identity survives the pipeline');
});
