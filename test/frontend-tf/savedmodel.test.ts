/**
 * SavedModel frontend on the shared TF1 and TF2 models: signature choice,
 * variable resolution from the tensor bundle (TF1 VariableV2, TF2 VarHandleOp
 * through the object graphs), function inlining, pruning of training/save/
 * ParseExample parts, and one-line errors for missing or corrupt parts.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSavedModel } from '../../compiler/frontend/savedmodel.js';
import { sharedModel } from '../support/paths.js';
import { eval64 } from './eval64.js';
import { tempCopy, tfeError } from './helpers.js';

const sm = (name: string): string => sharedModel(name, 'saved_model');

describe('loadSavedModel', () => {
  it('tf2onnx regression (TF1 training graph, VariableV2): X=5 -> 2.1193342', async () => {
    const g = await loadSavedModel(sm('tf2onnx_regression_savedmodel'), {});
    assert.deepEqual(g.inputs, ['X']);
    assert.deepEqual(g.outputs, ['pred']);
    assert.ok(!g.nodes.some((n) => /gradients|GradientDescent|save/.test(n.id)), 'training and save nodes are pruned');
    assert.equal(g.nodes.find((n) => n.id === 'W')?.op, 'Const');
    const [y] = eval64(g, { X: { shape: [1], data: Float64Array.of(5) } });
    assert.ok(Math.abs(y.data[0] - 2.1193342) < 1e-6, `got ${y.data[0]}`);
  });

  it('half_plus_two TF1 (signature input behind ParseExample): y = 0.5x + 2', async () => {
    const g = await loadSavedModel(sm('tfserving_half_plus_two_cpu'), {});
    assert.deepEqual(g.inputs, ['x']);
    assert.deepEqual(g.outputs, ['y']);
    const x = g.nodes.find((n) => n.id === 'x');
    assert.equal(x?.op, 'Placeholder');
    assert.deepEqual(x?.shape, [-1, 1]);
    assert.equal(x?.attrs.signature_key, 'x');
    const [y] = eval64(g, { x: { shape: [3, 1], data: Float64Array.of(1, 2, 5) } });
    assert.deepEqual(Array.from(y.data), [2.5, 3, 4.5]);
  });

  it('half_plus_two TF1: a signature that needs ParseExample reports it by name', async () => {
    await assert.rejects(loadSavedModel(sm('tfserving_half_plus_two_cpu'), { signature: 'classify_x_to_y' }),
      tfeError('E_UNSUPPORTED', /op ParseExample/));
  });

  it('half_plus_two TF2 (StatefulPartitionedCall, resource variables): y = 0.5x + 2, and x2 -> 0.5x + 3', async () => {
    const g = await loadSavedModel(sm('tfserving_half_plus_two_tf2_cpu'), {});
    assert.deepEqual(g.inputs, ['serving_default_x']);
    assert.deepEqual(g.outputs, ['StatefulPartitionedCall_5']);
    assert.ok(!g.nodes.some((n) => /saver|traced_save|restore/.test(n.id)));
    const [y] = eval64(g, { serving_default_x: { shape: [1], data: Float64Array.of(3) } });
    assert.deepEqual(Array.from(y.data), [3.5]);
    // Another signature captures the variables a and c: checks the capture -> checkpoint key mapping.
    const g3 = await loadSavedModel(sm('tfserving_half_plus_two_tf2_cpu'), { signature: 'regress_x2_to_y3' });
    const [y3] = eval64(g3, { [g3.inputs[0]]: { shape: [1], data: Float64Array.of(4) } });
    assert.deepEqual(Array.from(y3.data), [5]);
  });

  it('tfjs times_three (TF 2.0 beta, object-graph variable key v/.ATTRIBUTES/VARIABLE_VALUE): y = 3x', async () => {
    const g = await loadSavedModel(sm('tfjs_node_times_three_float'), {});
    assert.deepEqual(g.nodes.find((n) => n.id === g.inputs[0])?.shape, []);
    const [y] = eval64(g, { [g.inputs[0]]: { shape: [], data: Float64Array.of(7) } });
    assert.deepEqual(Array.from(y.data), [21]);
  });

  it('accepts the path of saved_model.pb too', async () => {
    const g = await loadSavedModel(join(sm('tfjs_node_times_three_float'), 'saved_model.pb'), {});
    assert.equal(g.outputs.length, 1);
  });

  describe('errors', () => {
    it('a missing signature lists the available ones', async () => {
      await assert.rejects(loadSavedModel(sm('tfserving_half_plus_two_cpu'), { signature: 'nope' }),
        tfeError('E_ARG', /no signature 'nope'/, /classify_x_to_y/, /serving_default/));
    });

    it('missing tags list the available tag sets', async () => {
      await assert.rejects(loadSavedModel(sm('tfserving_half_plus_two_cpu'), { tags: 'gpu' }), tfeError('E_ARG', /tags \[gpu\]/, /\[serve\]/));
    });

    it('a missing data shard is E_IO naming it', async () => {
      const dir = tempCopy(sm('tf2onnx_regression_savedmodel'), 'saved_model');
      rmSync(join(dir, 'variables', 'variables.data-00000-of-00001'));
      await assert.rejects(loadSavedModel(dir, {}), tfeError('E_IO', /variables\.data-00000-of-00001/));
    });

    it('a missing variables directory is E_IO naming the index', async () => {
      const dir = tempCopy(sm('tfserving_half_plus_two_tf2_cpu'), 'saved_model');
      rmSync(join(dir, 'variables'), { recursive: true });
      await assert.rejects(loadSavedModel(dir, {}), tfeError('E_IO', /variables\.index/));
    });

    it('a corrupt index block fails its CRC; a bad footer magic is named', async () => {
      const dir = tempCopy(sm('tfserving_half_plus_two_cpu'), 'saved_model');
      const index = join(dir, 'variables', 'variables.index');
      const orig = readFileSync(index);
      const flipped = Buffer.from(orig);
      flipped[3] ^= 0x40;
      writeFileSync(index, flipped);
      await assert.rejects(loadSavedModel(dir, {}), tfeError('E_FORMAT', /variables\.index/, /bad CRC/));
      const badMagic = Buffer.from(orig);
      badMagic[badMagic.length - 1] ^= 0xff;
      writeFileSync(index, badMagic);
      await assert.rejects(loadSavedModel(dir, {}), tfeError('E_FORMAT', /variables\.index/, /magic/));
      writeFileSync(index, orig.subarray(0, 20));
      await assert.rejects(loadSavedModel(dir, {}), tfeError('E_FORMAT', /variables\.index/, /shorter than the 48-byte/));
    });

    it('a truncated or corrupted data shard is E_FORMAT', async () => {
      const dir = tempCopy(sm('tf2onnx_regression_savedmodel'), 'saved_model');
      const data = join(dir, 'variables', 'variables.data-00000-of-00001');
      const orig = readFileSync(data);
      writeFileSync(data, orig.subarray(0, 4));
      await assert.rejects(loadSavedModel(dir, {}), tfeError('E_FORMAT', /variables\.data-00000-of-00001/, /past the end/));
      const flipped = Buffer.from(orig);
      flipped[0] ^= 1;
      writeFileSync(data, flipped);
      await assert.rejects(loadSavedModel(dir, {}), tfeError('E_FORMAT', /variable 'W'/, /CRC/));
    });

    it('a truncated saved_model.pb is E_FORMAT naming it; a non-SavedModel directory is E_ARG', async () => {
      const dir = tempCopy(sm('tfserving_half_plus_two_cpu'), 'saved_model');
      const pb = join(dir, 'saved_model.pb');
      writeFileSync(pb, readFileSync(pb).subarray(0, 1000));
      await assert.rejects(loadSavedModel(dir, {}), tfeError('E_FORMAT', /saved_model\.pb/));
      await assert.rejects(loadSavedModel(join(dir, 'variables', 'nothing'), {}), tfeError('E_ARG', /not a SavedModel directory/));
    });
  });
});
