/**
 * Shared glue for the end-to-end frontend tests: compile a shared model to IR with the
 * full pass pipeline (verified after every pass), run it with the float64 IR
 * interpreter, and run the original model with tfjs (the independent reference) from
 * the frontends' in-memory tfjs artifacts.
 */
import assert from 'node:assert/strict';
import { loadModel } from '../../compiler/frontend/index.js';
import { toTfjsLayersArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import { toTfjsGraphArtifacts } from '../../compiler/frontend/tf-artifacts.js';
import type { TfInputSpec } from '../../compiler/frontend/tf-graph.js';
import { DEFAULT_PASS_OPTIONS, type PassOptions } from '../../compiler/passes/pass.js';
import { PASS_NAMES, runPipeline } from '../../compiler/pipeline.js';
import { type PlainTensor, runIr } from '../../runtime/plaintext/interpreter.js';
import { openTfjsGraph, openTfjsLayers, type TfjsArtifacts } from '../../runtime/plaintext/tfjs-runner.js';
import { evaluateGraph } from '../../src/ir/eval/evaluate.js';
import type { IrGraph } from '../../src/ir/node.js';
import { verifyGraph } from '../../src/ir/verify.js';

/** Loads and compiles `path`; asserts every pass ran and the final IR verifies as shaped. */
export async function compileIr(path: string, opts: Partial<PassOptions> = {}): Promise<IrGraph> {
  const g = await loadModel(path);
  const seen: string[] = [];
  const out = runPipeline(g, { ...DEFAULT_PASS_OPTIONS, ...opts }, { onPass: (name) => seen.push(name) });
  assert.deepEqual(seen, PASS_NAMES, 'every pass ran (and its output verified)');
  verifyGraph(out, 'shaped', 'final');
  return out;
}

/**
 * Shape inference against evaluation: runs every node on `x` (fed to the first input)
 * and asserts each value's shape is the inferred one, -1 matching any size.
 */
export function assertShapesMatchRun(g: IrGraph, x: PlainTensor): void {
  const ids = g.nodes.map((n) => n.id);
  const values = evaluateGraph(g, new Map([[g.inputs[0], { shape: [...x.shape], data: x.data }]]), ids);
  g.nodes.forEach((n, i) => {
    const got = values[i].shape;
    const want = n.shape ?? [];
    assert.equal(got.length, want.length, `node ${n.id}: rank of [${got.join(',')}] vs inferred [${want.join(',')}]`);
    want.forEach((d, k) => assert.ok(d === -1 || d === got[k], `node ${n.id}: shape [${got.join(',')}] vs inferred [${want.join(',')}]`));
  });
}

/** Runs the IR on one input (the graph's first) and returns its first output. */
export function runIrSingle(g: IrGraph, x: PlainTensor): PlainTensor {
  const out = runIr(g, { [g.inputs[0]]: x });
  return out[g.outputs[0]];
}

/** A tfjs runner of the original TF-family model (graph artifacts), optionally cut at `inputs` and computing `outputs`. */
export async function tfGraphReference(
  path: string,
  inputs?: readonly TfInputSpec[],
  outputs?: readonly string[],
): Promise<(x: PlainTensor) => Promise<PlainTensor>> {
  const a = await toTfjsGraphArtifacts(path, { ...(inputs ? { inputs } : {}), ...(outputs ? { outputs } : {}) });
  const feed = a.inputs[0].name;
  const model = await openTfjsGraph(a.artifacts as unknown as TfjsArtifacts);
  return async (x) => (await model.run({ [feed]: x }, a.outputs.slice(0, 1)))[0];
}

/** A tfjs runner of the original Keras-family model (layers artifacts). */
export async function kerasReference(path: string): Promise<(x: PlainTensor) => Promise<PlainTensor>> {
  const model = await openTfjsLayers((await toTfjsLayersArtifacts(path)) as unknown as TfjsArtifacts);
  return async (x) => (await model.run([x]))[0];
}

/** Largest |a - b| over two same-shaped tensors. */
export function maxAbsDiff(a: PlainTensor, b: PlainTensor): number {
  assert.deepEqual([...a.shape], [...b.shape], 'same output shape');
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/** Largest |a| of a tensor. */
export function maxAbs(a: PlainTensor): number {
  let m = 0;
  for (const v of a.data) m = Math.max(m, Math.abs(v));
  return m;
}

/** Argmax of each row of a [n, c] tensor. */
export function argmaxRows(t: PlainTensor): number[] {
  const c = t.shape[t.shape.length - 1];
  const out: number[] = [];
  for (let i = 0; i < t.data.length; i += c) {
    let best = 0;
    for (let j = 1; j < c; j++) if (t.data[i + j] > t.data[i + best]) best = j;
    out.push(best);
  }
  return out;
}

/** Deterministic pseudo-random values in [lo, hi) (a fixed LCG: reproducible test inputs, not security). */
export function pseudoRandom(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return out;
}
