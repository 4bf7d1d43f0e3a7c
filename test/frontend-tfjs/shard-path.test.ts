/**
 * TF.js weight shard paths stay inside the model's folder (compiler/frontend/shard-path.ts,
 * used by the layers-model and graph-model frontends): a model.json whose weightsManifest
 * lists `../x`, an absolute path or `a/../../x` is refused with E_FORMAT naming the
 * model.json and the path, before any file outside the folder is read; a plain shard
 * name and a sub-folder path still load.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { shardPath } from '../../compiler/frontend/shard-path.js';
import { loadTfjsGraphModel } from '../../compiler/frontend/tfjs-graph.js';
import { loadTfjsLayersModel } from '../../compiler/frontend/tfjs-layers.js';
import { TfeError } from '../../src/errors.js';
import { sharedModel } from '../support/paths.js';

const root = mkdtempSync(join(tmpdir(), 'tfe-shard-path-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A copy of a shared TF.js model in `root/name/model/` whose one shard group lists `paths`; the real shard sits beside the folder as `outside.bin`. */
function variant(src: string, shard: string, name: string, paths: string[]): string {
  const dir = join(root, name, 'model');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  copyFileSync(sharedModel(src, shard), join(root, name, 'outside.bin'));
  copyFileSync(sharedModel(src, shard), join(dir, 'sub', 'w.bin'));
  copyFileSync(sharedModel(src, shard), join(dir, shard));
  const json = JSON.parse(readFileSync(sharedModel(src, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  json.weightsManifest[0].paths = paths;
  const file = join(dir, 'model.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

function refused(e: unknown, file: string, path: string): true {
  assert.ok(e instanceof TfeError, String(e));
  assert.equal(e.code, 'E_FORMAT');
  assert.ok(e.message.includes(file), e.message);
  assert.ok(e.message.includes(JSON.stringify(path)), e.message);
  assert.match(e.message, /absolute|outside the model folder/);
  return true;
}

const escapes = (name: string): [string, string][] => [
  ['parent', '../outside.bin'],
  ['nested-parent', 'sub/../../outside.bin'],
  ['absolute', join(root, name, 'outside.bin')],
];

describe('TF.js weight shard paths', () => {
  test('shardPath keeps a path inside the folder and refuses the rest', () => {
    assert.equal(shardPath('/m', 'w.bin', '/m/model.json'), '/m/w.bin');
    assert.equal(shardPath('/m', 'sub/w.bin', '/m/model.json'), '/m/sub/w.bin');
    assert.equal(shardPath('/m', 'a..b.bin', '/m/model.json'), '/m/a..b.bin');
    for (const p of ['../w.bin', '/etc/passwd', 'sub/../../w.bin', '.', '', 'C:\\w.bin']) {
      assert.throws(() => shardPath('/m', p, '/m/model.json'), (e: unknown) => e instanceof TfeError && e.code === 'E_FORMAT' && e.message.includes('/m/model.json'));
    }
  });

  test('a layers model refuses shards outside its folder (E_FORMAT naming file and path)', async () => {
    for (const [kind, p] of escapes('layers')) {
      const file = variant('tfjs_examples_abalone_layers', 'weights.bin', 'layers', [p]);
      await assert.rejects(loadTfjsLayersModel(file), (e: unknown) => refused(e, file, p), kind);
    }
    await loadTfjsLayersModel(variant('tfjs_examples_abalone_layers', 'weights.bin', 'layers-ok', ['sub/w.bin']));
  });

  test('a graph model refuses shards outside its folder (E_FORMAT naming file and path)', async () => {
    for (const [kind, p] of escapes('graph')) {
      const file = variant('tfjs_e2e_matmul_graph_model', 'weights.bin', 'graph', [p]);
      await assert.rejects(loadTfjsGraphModel(file), (e: unknown) => refused(e, file, p), kind);
    }
    await loadTfjsGraphModel(variant('tfjs_e2e_matmul_graph_model', 'weights.bin', 'graph-ok', ['sub/w.bin']));
  });
});
