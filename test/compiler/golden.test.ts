/**
 * Golden ring IR after every secure pass (to-ring, fold-scalar-muls, visibility,
 * relu-maxpool-swap, activations, fixed-point) for three hand-made fixtures, and the
 * check that the compiled plan computes what the graph computes: run in the plaintext
 * ring simulator it matches the float64 interpreter within the fixed-point error
 * (exact ops) or the stated approximation error (sigmoid, tanh). Regenerate the
 * goldens with TFE_UPDATE_GOLDEN=1 (after reading the diff).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { DEFAULT_PASS_OPTIONS } from '../../compiler/passes/pass.js';
import { runPipeline } from '../../compiler/pipeline.js';
import { printRing } from '../../compiler/ring/print.js';
import { runSecurePipeline } from '../../compiler/secure-pipeline.js';
import { DEFAULT_SECURE_OPTIONS } from '../../compiler/secure/options.js';
import { evaluateGraph } from '../../src/ir/eval/evaluate.js';
import type { IrGraph } from '../../src/ir/node.js';
import { REPO_ROOT } from '../support/paths.js';
import { activationGraph, cnnGraph, scalarGraph } from './fixtures.js';
import { simulatePlan } from './ring-sim.js';

const GOLDEN_DIR = join(REPO_ROOT, 'test', 'compiler', 'golden');
const UPDATE = process.env.TFE_UPDATE_GOLDEN === '1';

function checkGolden(name: string, text: string): void {
  const file = join(GOLDEN_DIR, name);
  if (UPDATE) writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `${file} (regenerate with TFE_UPDATE_GOLDEN=1 after checking the diff)`);
}

function inputs(shape: number[], seed: number, lo: number, hi: number): Float64Array {
  const n = shape.reduce((a, d) => a * d, 1);
  return Float64Array.from({ length: n }, (_, i) => lo + ((Math.sin(i * 12.9898 + seed) * 43758.5453) % 1 + 1) % 1 * (hi - lo));
}

async function goldenAndSemantics(name: string, g: IrGraph, shape: number[], range: [number, number], tol: number): Promise<void> {
  const opts = { ...DEFAULT_SECURE_OPTIONS, inputRange: range };
  const shaped = runPipeline(g, DEFAULT_PASS_OPTIONS);
  const sections: string[] = [];
  runSecurePipeline(shaped, opts, { onPass: (pass, after) => sections.push(`## after ${pass}\n${printRing(after)}`) });
  checkGolden(`${name}.txt`, sections.join('\n'));

  const r = await compile(g, { inputRange: range });
  const x = inputs(shape, 3, range[0], range[1]);
  const got = (await simulatePlan(r.plan, r.weights, { [r.plan.inputs[0].name]: { shape, data: x } }))[r.plan.outputs[0].name].data;
  const out = shaped.nodes.find((n) => n.id === shaped.outputs[0]);
  const ref = out?.op === 'Softmax' ? out.inputs[0] : shaped.outputs[0];
  const [want] = evaluateGraph(shaped, new Map([[shaped.inputs[0], { shape, data: x }]]), [ref]);
  assert.equal(got.length, want.data.length);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want.data[i]) <= tol, `${name}[${i}]: ${got[i]} vs ${want.data[i]}`);
}

test('cnn fixture: golden ring IR after each secure pass; plan matches the interpreter', async () => {
  await goldenAndSemantics('cnn', cnnGraph(), [3, 6, 6, 1], [-1, 1], 1e-3);
});

test('scalar fixture: constant multiplications fold, Relu6 and Mean lower exactly', async () => {
  await goldenAndSemantics('scalar', scalarGraph(), [5, 4], [-8, 8], 1e-3);
});

test('activation fixture: avgpool, global average pooling, sigmoid and tanh within their stated error', async () => {
  // sigmoid within its stated 6.2e-5 (fit and fixed point: piecewise.ts), times |w2| column sums (<= 4.5),
  // plus tanh's 1.3e-4 (tanh is 1-Lipschitz, so the incoming error does not grow), plus the
  // linear layers' fixed-point error (1e-3, as for the other fixtures)
  await goldenAndSemantics('activations', activationGraph(), [2, 4, 4, 2], [-4, 4], 6.2e-5 * 4.5 + 1.3e-4 + 1e-3);
});
