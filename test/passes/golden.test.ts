/**
 * Golden IR text after every pass for two hand-made fixtures (a TF1-style conv + batch
 * norm + dropout block, and a dense block with a decomposed Rsqrt batch norm), plus
 * the check that every pass preserves what the graph computes: the IR interpreter
 * gives the same outputs after each pass as on the graph as loaded (within 1e-12,
 * float64 re-association only). Regenerate the goldens with TFE_UPDATE_GOLDEN=1.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_PASS_OPTIONS, type PassOptions } from '../../compiler/passes/pass.js';
import { runPipeline } from '../../compiler/pipeline.js';
import { type PlainTensor, runIr } from '../../runtime/plaintext/interpreter.js';
import type { IrGraph } from '../../src/ir/node.js';
import { printGraph } from '../../src/ir/print.js';
import { pseudoRandom } from '../e2e-frontends/helpers.js';
import { convBnGraph } from '../ir/fixtures.js';
import { REPO_ROOT } from '../support/paths.js';
import { rsqrtBnGraph } from './fixtures.js';

const GOLDEN_DIR = join(REPO_ROOT, 'test', 'passes', 'golden');
const UPDATE = process.env.TFE_UPDATE_GOLDEN === '1';

function checkGolden(name: string, text: string): void {
  const file = join(GOLDEN_DIR, name);
  if (UPDATE) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `${file} (regenerate with TFE_UPDATE_GOLDEN=1 after checking the diff)`);
}

function run(g: IrGraph, feeds: Record<string, PlainTensor>): Float64Array {
  const known = Object.fromEntries(Object.entries(feeds).filter(([k]) => g.inputs.includes(k)));
  return runIr(g, known)[g.outputs[0]].data;
}

function goldenAndSemantics(name: string, g: IrGraph, opts: PassOptions, feeds: Record<string, PlainTensor>): void {
  const want = run(g, feeds);
  const sections: string[] = [];
  runPipeline(g, opts, {
    onPass: (pass, after) => {
      sections.push(`## after ${pass}\n${printGraph(after)}`);
      const got = run(after, feeds);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-12, `${name}: after ${pass}, output ${i}: ${got[i]} vs ${want[i]}`);
    },
  });
  checkGolden(`${name}.txt`, sections.join('\n'));
}

test('conv + bias + FusedBatchNorm + dropout fixture: golden IR after each pass, same outputs', () => {
  const x = { shape: [3, 16], data: pseudoRandom(48, 5, -2, 2) };
  goldenAndSemantics('conv-bn', convBnGraph(), { ...DEFAULT_PASS_OPTIONS, consts: [{ name: 'keep_prob', value: 1 }] }, {
    x,
    keep_prob: { shape: [], data: Float64Array.of(1) },
  });
});

test('dense + Rsqrt batch-norm fragment fixture: golden IR after each pass, same outputs', () => {
  const x = { shape: [2, 3], data: pseudoRandom(6, 9, -2, 2) };
  goldenAndSemantics('rsqrt-bn', rsqrtBnGraph(), DEFAULT_PASS_OPTIONS, { x });
});
