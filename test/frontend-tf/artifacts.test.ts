/**
 * tf-artifacts: every shared TF model (frozen, TF1/TF2 SavedModel, TF.js graph)
 * becomes in-memory artifacts that tfjs-converter loads and runs on the cpu
 * backend; results agree with the published expectations and with the float64
 * evaluation of our IR. Const values live in the weights, as the TF.js converter
 * lays them out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadGraphDef } from '../../compiler/frontend/graphdef.js';
import { loadSavedModel } from '../../compiler/frontend/savedmodel.js';
import { toTfjsGraphArtifacts } from '../../compiler/frontend/tf-artifacts.js';
import { loadTfjsGraphModel } from '../../compiler/frontend/tfjs-graph.js';
import type { IrGraph } from '../../src/ir/node.js';
import { sharedModel } from '../support/paths.js';
import { eval64, type T64 } from './eval64.js';
import { maxRelDiff, runTfjs } from './helpers.js';

interface Case { path: string; load: () => Promise<IrGraph>; x: T64; expect?: number[] }

const t = (shape: number[], ...v: number[]): T64 => ({ shape, data: Float64Array.from(v) });
const sm = (name: string): string => sharedModel(name, 'saved_model');

const CASES: Record<string, Case> = {
  'regression frozen': { path: sharedModel('tf2onnx_regression_graphdef', 'frozen.pb'), load: () => loadGraphDef(sharedModel('tf2onnx_regression_graphdef', 'frozen.pb')), x: t([1], 5), expect: [2.1193342] },
  'regression SavedModel': { path: sm('tf2onnx_regression_savedmodel'), load: () => loadSavedModel(sm('tf2onnx_regression_savedmodel')), x: t([1], 5), expect: [2.1193342] },
  'half_plus_two TF1': { path: sm('tfserving_half_plus_two_cpu'), load: () => loadSavedModel(sm('tfserving_half_plus_two_cpu')), x: t([3, 1], 1, 2, 5), expect: [2.5, 3, 4.5] },
  'half_plus_two TF2': { path: sm('tfserving_half_plus_two_tf2_cpu'), load: () => loadSavedModel(sm('tfserving_half_plus_two_tf2_cpu')), x: t([1], -4), expect: [0] },
  'times_three TF2': { path: sm('tfjs_node_times_three_float'), load: () => loadSavedModel(sm('tfjs_node_times_three_float')), x: t([], 1.25), expect: [3.75] },
  'tfjs dense': { path: sharedModel('tfjs_e2e_dense_graph_model', 'model.json'), load: () => loadTfjsGraphModel(sharedModel('tfjs_e2e_dense_graph_model', 'model.json')), x: t([3, 1], 0, 1, -1) },
  'tfjs matmul': { path: sharedModel('tfjs_e2e_matmul_graph_model'), load: () => loadTfjsGraphModel(sharedModel('tfjs_e2e_matmul_graph_model', 'model.json')), x: t([2, 2], 1, 0, 0, 1) },
};

describe('toTfjsGraphArtifacts', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: tfjs-converter runs the artifacts and agrees with the IR`, async () => {
      const a = await toTfjsGraphArtifacts(c.path);
      assert.equal(a.inputs.length, 1);
      assert.equal(a.outputs.length, 1);
      const [ref] = await runTfjs(a.artifacts, { [a.inputs[0].name]: c.x });
      const g = await c.load();
      const [ours] = eval64(g, { [g.inputs[0]]: c.x });
      assert.deepEqual(ref.shape, ours.shape);
      assert.ok(maxRelDiff(ours, ref) < 1e-6, `IR ${Array.from(ours.data)} vs tfjs ${Array.from(ref.data)}`);
      if (c.expect) assert.ok(maxRelDiff(ref, t(ref.shape, ...c.expect)) < 1e-6, `tfjs ${Array.from(ref.data)} vs expected ${c.expect}`);
    });
  }

  it('moves every Const value into the weights, in node order, with the node names', async () => {
    const a = await toTfjsGraphArtifacts(sharedModel('tfe_2lfc', '2lfc.pb'));
    const nodes = (a.artifacts.modelTopology as { node: { name: string; op: string; attr: { value?: { tensor: Record<string, unknown> } } }[] }).node;
    const consts = nodes.filter((n) => n.op === 'Const');
    assert.deepEqual(a.artifacts.weightSpecs.map((w) => w.name), consts.map((n) => n.name));
    for (const n of consts) {
      assert.deepEqual(Object.keys(n.attr.value?.tensor ?? {}).sort(), ['dtype', 'tensorShape'], `${n.name} keeps only dtype and shape`);
    }
    const bytes = a.artifacts.weightSpecs.reduce((s, w) => s + 4 * w.shape.reduce((p, d) => p * d, 1), 0);
    assert.equal(a.artifacts.weightData.byteLength, bytes);
    assert.deepEqual(a.artifacts.weightSpecs.map((w) => w.shape), [[16, 512], [512], [512, 512], [512], [512, 2]]);
  });

  it('chooses another SavedModel signature and names the inputs by node', async () => {
    const a = await toTfjsGraphArtifacts(sm('tfserving_half_plus_two_tf2_cpu'), { signature: 'regress_x2_to_y3' });
    const [ref] = await runTfjs(a.artifacts, { [a.inputs[0].name]: t([1], 4) });
    assert.deepEqual(Array.from(ref.data), [5]);
    assert.equal(a.format, 'savedmodel');
  });
});
