/**
 * TF.js graph-model frontend: the shared models against tfjs-converter loading the
 * same model.json and shards itself, the _FusedMatMul decomposition, quantized
 * weights (uint8, uint16, float16) in a small model written by the test, and
 * errors on layers models, missing and short shards.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type * as tf from '@tensorflow/tfjs-core';
import { loadTfjsGraphModel } from '../../compiler/frontend/tfjs-graph.js';
import { sharedModel } from '../support/paths.js';
import { eval64, type T64 } from './eval64.js';
import { maxRelDiff, runTfjs, tempCopy, tfeError } from './helpers.js';

/** The original model as tfjs itself would load it: the JSON as is and the shards concatenated. */
function originalArtifacts(modelJson: string): tf.io.ModelArtifacts {
  const j = JSON.parse(readFileSync(modelJson, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format: string };
  const bufs = j.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(modelJson), p))));
  const all = Buffer.concat(bufs);
  return {
    modelTopology: j.modelTopology, format: j.format,
    weightSpecs: j.weightsManifest.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

describe('loadTfjsGraphModel', () => {
  it('dense graph model: _FusedMatMul becomes MatMul + BiasAdd; values agree with tfjs', async () => {
    const path = sharedModel('tfjs_e2e_dense_graph_model', 'model.json');
    const g = await loadTfjsGraphModel(path);
    assert.deepEqual(g.inputs, ['dense_dense1_input']);
    assert.deepEqual(g.outputs, ['Identity']);
    const fusedId = 'StatefulPartitionedCall/sequential_1/dense_Dense1/BiasAdd';
    assert.deepEqual(g.nodes.filter((n) => n.id === fusedId || n.id === `${fusedId}/MatMul`).map((n) => [n.id, n.op]),
      [[`${fusedId}/MatMul`, 'MatMul'], [fusedId, 'BiasAdd']]);
    const x: T64 = { shape: [4, 1], data: Float64Array.of(-2, 0, 1, 3.5) };
    const [ours] = eval64(g, { dense_dense1_input: x });
    const [ref] = await runTfjs(originalArtifacts(path), { dense_dense1_input: x });
    assert.ok(maxRelDiff(ours, ref) < 1e-6, `diff ${maxRelDiff(ours, ref)}`);
  });

  it('matmul graph model agrees with tfjs', async () => {
    const path = sharedModel('tfjs_e2e_matmul_graph_model', 'model.json');
    const g = await loadTfjsGraphModel(path);
    const x: T64 = { shape: [2, 2], data: Float64Array.of(1, -2, 3, 0.5) };
    const [ours] = eval64(g, { Placeholder: x });
    const [ref] = await runTfjs(originalArtifacts(path), { Placeholder: x });
    assert.ok(maxRelDiff(ours, ref) < 1e-6, `diff ${maxRelDiff(ours, ref)}`);
  });

  it('dequantizes uint8 / uint16 weights (q * scale + min) and reads float16', async () => {
    const dir = dirname(tempCopy(sharedModel('tfjs_e2e_matmul_graph_model', 'model.json'), 'model.json'));
    const constNode = (name: string): object => ({ name, op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }] } } } } });
    writeFileSync(join(dir, 'model.json'), JSON.stringify({
      format: 'graph-model',
      modelTopology: { node: [constNode('q8'), constNode('q16'), constNode('h'),
        { name: 'a', op: 'AddV2', input: ['q8', 'q16'], attr: { T: { type: 'DT_FLOAT' } } },
        { name: 'out', op: 'AddV2', input: ['a', 'h'], attr: { T: { type: 'DT_FLOAT' } } }] },
      weightsManifest: [{ paths: ['w.bin'], weights: [
        { name: 'q8', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
        { name: 'q16', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.25, min: 10 } },
        { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
      ] }],
    }));
    const w = Buffer.alloc(2 + 4 + 4);
    w[0] = 3; w[1] = 200; // -> 0.5, 99
    w.writeUInt16LE(4, 2); w.writeUInt16LE(1000, 4); // -> 11, 260
    w.writeUInt16LE(0x3c00, 6); w.writeUInt16LE(0xc100, 8); // half 1.0, -2.5
    writeFileSync(join(dir, 'w.bin'), w);
    const g = await loadTfjsGraphModel(join(dir, 'model.json'));
    const value = (id: string): number[] => Array.from((g.nodes.find((n) => n.id === id)?.attrs.value as { values: Float64Array }).values);
    assert.deepEqual(value('q8'), [0.5, 99]);
    assert.deepEqual(value('q16'), [11, 260]);
    assert.deepEqual(value('h'), [1, -2.5]);
    assert.deepEqual(g.outputs, ['out']);
  });

  describe('errors', () => {
    it('a layers model is E_FORMAT saying so', async () => {
      const path = sharedModel('tfjs_examples_abalone_layers', 'model.json');
      await assert.rejects(loadTfjsGraphModel(path), tfeError('E_FORMAT', /model\.json/, /layers model/));
    });
    it('a missing shard is E_IO naming it; a short shard is E_FORMAT', async () => {
      const json = tempCopy(sharedModel('tfjs_e2e_dense_graph_model', 'model.json'), 'model.json');
      await assert.rejects(loadTfjsGraphModel(json), tfeError('E_IO', /group1-shard1of1\.bin/, /ENOENT/));
      writeFileSync(join(dirname(json), 'group1-shard1of1.bin'), Buffer.alloc(5));
      await assert.rejects(loadTfjsGraphModel(json), tfeError('E_FORMAT', /group1-shard1of1\.bin/, /end inside weight/));
      writeFileSync(join(dirname(json), 'group1-shard1of1.bin'), Buffer.alloc(12));
      await assert.rejects(loadTfjsGraphModel(json), tfeError('E_FORMAT', /hold 12 bytes, the manifest describes 8/));
    });
    it('bad JSON is E_FORMAT naming the file', async () => {
      const json = tempCopy(sharedModel('tfjs_e2e_matmul_graph_model', 'model.json'), 'model.json');
      writeFileSync(json, '{"format": "graph-model", "modelTop');
      await assert.rejects(loadTfjsGraphModel(json), tfeError('E_FORMAT', /model\.json/, /not valid JSON/));
    });
  });
});
