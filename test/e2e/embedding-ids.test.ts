/**
 * Embeddings at client-held ids (compiler/passes/client-one-hot.ts, runtime/io/preprocess.ts)
 * on the project's own fixture (models/fixtures/embedding.ts: int64 ids [-1, 4] -> Cast ->
 * GatherV2(table [50, 8]) -> Mean -> Dense 3): the plan's input takes ids and names the
 * client's one-hot preprocessing; private prediction equals a hand-written float forward
 * pass (mean of the looked-up rows, then the dense layer) within the fixed-point bound
 * derived below, and the original model run by tfjs-converter on the raw ids
 * (what `tfe run --check` does) within that bound plus float32 slack. Ids outside the
 * table are E_RANGE; a gather at indices computed from secret data is E_UNSUPPORTED.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { summarizePlan } from '../../compiler/explain.js';
import { decodeGraphDef } from '../../compiler/frontend/graphdef.js';
import { DEFAULT_PASS_OPTIONS } from '../../compiler/passes/pass.js';
import { runPipeline } from '../../compiler/pipeline.js';
import { encodeGraphDef } from '../../models/fixtures/graphdef-builder.js';
import { EMBEDDING_CLASSES, EMBEDDING_DIM, EMBEDDING_IDS, EMBEDDING_VOCAB, embeddingFixture } from '../../models/fixtures/embedding.js';
import { modelLocation } from '../../runtime/eval/reference.js';
import { readInputFile } from '../../runtime/io/inputs.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import { TfeError } from '../../src/errors.js';
import type { IrNode } from '../../src/ir/node.js';
import { tfjsReference } from '../../src/reference.js';
import { constF, constI, graph, node } from '../ir/fixtures.js';
import { testBackend } from '../support/backend.js';
import { npy } from '../support/npy.js';

const FLOAT32_SLACK = 1e-5;

function forward(f: ReturnType<typeof embeddingFixture>, ids: readonly number[]): Float64Array {
  const rows = ids.length / EMBEDDING_IDS;
  const out = new Float64Array(rows * EMBEDDING_CLASSES);
  for (let r = 0; r < rows; r++) {
    const mean = new Float64Array(EMBEDDING_DIM);
    for (let p = 0; p < EMBEDDING_IDS; p++) {
      const id = ids[r * EMBEDDING_IDS + p];
      for (let d = 0; d < EMBEDDING_DIM; d++) mean[d] += f.table[id * EMBEDDING_DIM + d] / EMBEDDING_IDS;
    }
    for (let c = 0; c < EMBEDDING_CLASSES; c++) {
      let s = f.b[c];
      for (let d = 0; d < EMBEDDING_DIM; d++) s += mean[d] * f.w[d * EMBEDDING_CLASSES + c];
      out[r * EMBEDDING_CLASSES + c] = s;
    }
  }
  return out;
}

/**
 * The fixed-point error of this network, derived by hand (f fractional bits, u = 2^-(f+1)
 * the encoding error of one value): the one-hot rows are exact (0 and 1), so each
 * looked-up value carries only its table entry's encoding error u; the mean of 4 rows
 * keeps u (the 1/4 is a power of two, exact) plus at most two truncations before the
 * dense layer (each up to 2^-f); the dense layer multiplies that by the largest L1 norm
 * of a weight column, adds its weights' encoding error times |mean| <= max |table| <= 1
 * for each of the 8 inputs, the bias's u, and at most two truncations after it.
 */
function fixedPointBound(w: Float64Array, f: number): number {
  const u = 2 ** -(f + 1);
  const t = 2 ** -f;
  let l1 = 0;
  for (let c = 0; c < EMBEDDING_CLASSES; c++) {
    let s = 0;
    for (let d = 0; d < EMBEDDING_DIM; d++) s += Math.abs(w[d * EMBEDDING_CLASSES + c]);
    l1 = Math.max(l1, s);
  }
  const eMean = u + 2 * t;
  return l1 * eMean + EMBEDDING_DIM * u + u + 2 * t;
}

/** A .npy v1 file of int64 values (little-endian, C order). */
function npyInt64(shape: readonly number[], values: readonly number[]): Uint8Array {
  return npy('<i8', [...shape], BigInt64Array.from(values.map((x) => BigInt(x))));
}

test('embedding at client int64 ids: one-hot on the client, secure product; equals the float forward pass and tfjs on the raw ids', async () => {
  const f = embeddingFixture();
  const dir = mkdtempSync(join(tmpdir(), 'tfe-embedding-'));
  const model = join(dir, 'embedding.pb');
  writeFileSync(model, f.bytes);
  const r = await compile(model, {});
  assert.ok(!r.graph.nodes.some((n) => n.op === 'GatherV2' || n.op === 'Cast'), 'the lookup and the Cast are gone');
  const [b] = r.plan.inputs;
  assert.equal(b.name, f.input);
  assert.deepEqual(b.shape, [-1, EMBEDDING_IDS, EMBEDDING_VOCAB]);
  assert.deepEqual(b.preprocess, { op: 'one_hot', depth: EMBEDDING_VOCAB, dtype: 'int64', shape: [-1, EMBEDDING_IDS] });
  assert.deepEqual(b.range, [0, 1]);
  assert.match(summarizePlan(r.plan, undefined), /input {2}ids int64 ids \[-1,4\] from client, one-hot \(depth 50\) on the client to \[-1,4,50\]/);

  // Every id of the table at least once, and repeats within a row.
  const ids = [0, 49, 7, 7, 1, 2, 3, 4, 48, 47, 46, 45, 10, 10, 10, 10, ...Array.from({ length: 40 }, (_, i) => (i * 13 + 5) % 50)];
  const x = { shape: [ids.length / EMBEDDING_IDS, EMBEDDING_IDS], data: Float64Array.from(ids) };
  const dep = await PlanDeployment.start(r.plan, r.weights, { ring: testBackend() });
  const p = await dep.predict({ [f.input]: x });
  const got = p.outputs[f.output].data;
  const want = forward(f, ids);
  const bound = fixedPointBound(f.w, r.plan.fracBits);
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= bound, `${i}: ${got[i]} vs ${want[i]} (bound ${bound.toExponential(2)})`);

  // The original graph in tfjs, fed the raw ids (tfe run --check).
  const [ref] = await tfjsReference()(r.plan, modelLocation(r.plan, r.weights.manifest, undefined), { [f.input]: x });
  assert.deepEqual(ref.shape, [x.shape[0], EMBEDDING_CLASSES]);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - ref.data[i]) <= bound + FLOAT32_SLACK, `tfjs ${i}: ${got[i]} vs ${ref.data[i]}`);

  // Ids from files: .json numbers (a batch dimension is added) and an int64 .npy.
  writeFileSync(join(dir, 'ids.json'), JSON.stringify([3, 1, 4, 1]));
  writeFileSync(join(dir, 'ids.npy'), npyInt64([2, 4], [3, 1, 4, 1, 49, 0, 9, 26]));
  const fromJson = readInputFile(join(dir, 'ids.json'), r.plan.inputs)[f.input];
  assert.deepEqual(fromJson.shape, [1, 4]);
  const fromNpy = readInputFile(join(dir, 'ids.npy'), r.plan.inputs)[f.input];
  assert.deepEqual([...fromNpy.shape, ...fromNpy.data], [2, 4, 3, 1, 4, 1, 49, 0, 9, 26]);
  const q = await dep.predict({ [f.input]: fromNpy });
  const wantNpy = forward(f, [3, 1, 4, 1, 49, 0, 9, 26]);
  q.outputs[f.output].data.forEach((v, i) => assert.ok(Math.abs(v - wantNpy[i]) <= bound));

  // Ids outside the table, or not integers: E_RANGE naming the input, the position and the id.
  for (const [bad, at] of [[50, 2], [-1, 0], [2.5, 3]] as const) {
    const data = Float64Array.of(1, 2, 3, 4);
    data[at] = bad;
    await assert.rejects(dep.predict({ [f.input]: { shape: [1, 4], data } }), (e: unknown) => {
      assert.ok(e instanceof TfeError);
      assert.equal(e.code, 'E_RANGE');
      assert.equal(e.message, `input 'ids'[${at}] = ${bad} is not an id in [0, 50) (the embedding table has 50 rows)`);
      return true;
    });
  }
  // The user-facing shape in shape errors.
  await assert.rejects(dep.predict({ [f.input]: { shape: [1, 5], data: new Float64Array(5) } }), /expects int64 ids of shape \[N,4\]/);
});

test('a gather at indices computed from secret data is E_UNSUPPORTED naming the node', () => {
  const g = graph([
    node('x', 'Placeholder', [], {}, [-1, 5]),
    constI('axis1', [1], []),
    node('best', 'ArgMax', ['x', 'axis1'], { output_type: 'int64' }, undefined, 'int64'),
    constF('table', [5, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    constI('axis0', [0], []),
    node('pick', 'GatherV2', ['table', 'best', 'axis0'], { batch_dims: 0 }),
  ], ['x'], ['pick']);
  assert.throws(() => runPipeline(g, DEFAULT_PASS_OPTIONS), (e: unknown) => {
    assert.ok(e instanceof TfeError);
    assert.equal(e.code, 'E_UNSUPPORTED');
    assert.match(e.message, /node 'pick' \(GatherV2\) gathers at indices 'best' computed inside the model \(from secret values\)/);
    assert.match(e.hint ?? '', /ids the client gives/);
    return true;
  });
});

test('ResourceGather (a SavedModel variable resolved to a constant) and Gather compile like GatherV2', async () => {
  const f = embeddingFixture();
  const base = await compile(f.bytes, {});
  const g = decodeGraphDef(f.bytes, 'embedding.pb');
  for (const op of ['ResourceGather', 'Gather']) {
    const nodes = (g.node ?? []).filter((n) => n.name !== 'embedding/axis').map((n) => (n.name === 'embedding/lookup'
      ? { name: n.name, op, input: ['embedding/table', 'ids/Cast'], attr: op === 'ResourceGather' ? { dtype: { type: 1 }, Tindices: { type: 3 } } : { Tparams: { type: 1 }, Tindices: { type: 3 } } }
      : n));
    const r = await compile(encodeGraphDef(nodes), {});
    assert.deepEqual(r.plan.inputs[0].preprocess, base.plan.inputs[0].preprocess, op);
    assert.deepEqual(r.plan.steps.map((s) => s.kernel), base.plan.steps.map((s) => s.kernel), op);
    assert.deepEqual(r.weights.data, base.weights.data, op);
  }
});

test('ids that are also used as numbers, or looked up in tables of two sizes, are E_UNSUPPORTED', () => {
  const ids = node('ids', 'Placeholder', [], {}, [-1, 2], 'int32');
  const lookup = (id: string, table: string): IrNode => node(id, 'GatherV2', [table, 'ids', 'axis0'], { batch_dims: 0 });
  const common = [ids, constF('t5', [5, 2], Array.from({ length: 10 }, (_, i) => i / 10)), constI('axis0', [0], [])];
  const asNumber = graph([...common, lookup('emb', 't5'), node('idsF', 'Cast', ['ids'], { DstT: 'float32', Truncate: false }), node('y', 'Mul', ['emb', 'idsF'])], ['ids'], ['y']);
  assert.throws(() => runPipeline(asNumber, DEFAULT_PASS_OPTIONS), /input 'ids' gives embedding ids, but node 'y' \(Mul\) also uses it as a number/);
  const twoSizes = graph([...common, constF('t3', [3, 2], [1, 2, 3, 4, 5, 6]), lookup('a', 't5'), lookup('b', 't3'), node('y', 'Add', ['a', 'b'])], ['ids'], ['y']);
  assert.throws(() => runPipeline(twoSizes, DEFAULT_PASS_OPTIONS), /node 'b' \(GatherV2\) looks up input 'ids' in a table of 3 rows, another lookup of it has 5/);
});
