/**
 * The bugs the fuzz runs found, as fixed cases (each was a crash or an out-of-memory
 * kill before its fix): a TF.js graph model whose signature is malformed JSON (a
 * TypeError in tfjs-graph.ts, now E_FORMAT naming the file), and a model input with a
 * huge fixed dimension (the compiler's bounds analysis allocated 24 GB, now E_UNSUPPORTED
 * from compiler/secure/bounds.ts before allocating; RSS stays under 500 MB); and a plan
 * whose trunc_s step shifts by a number of bits the kernel cannot (0, 63, 2^31, -5, 1.5),
 * which the verifier accepted and the run refused only mid-session (now E_PLAN from the
 * verifier, naming the step); the same for poly_s's fracBits and coefficients.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { parsePlan, planDigest, verifyPlan } from '../../src/plan/index.js';
import { TfeError } from '../../src/errors.js';
import { sharedModel } from '../support/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'tfe-fuzz-regress-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Sig = { signature: { inputs: Record<string, { tensorShape: { dim: { size: string }[] } }> } };

/** The shared dense TF.js graph model with its model.json edited by `edit`. */
function variant(edit: (j: Sig & Record<string, unknown>) => void): string {
  const src = sharedModel('tfjs_e2e_dense_graph_model');
  const json = JSON.parse(readFileSync(join(src, 'model.json'), 'utf8')) as Sig & Record<string, unknown>;
  edit(json);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  copyFileSync(join(src, 'group1-shard1of1.bin'), join(dir, 'group1-shard1of1.bin'));
  return join(dir, 'model.json');
}

test('a malformed signature in a TF.js graph model is E_FORMAT naming the file', async () => {
  for (const bad of [{ tensorShape: { dim: {} } }, 'x', { tensorShape: { dim: [{ size: 'two' }] } }]) {
    const file = variant((j) => {
      (j.signature.inputs as Record<string, unknown>)[Object.keys(j.signature.inputs)[0]] = bad;
    });
    await assert.rejects(compile(file), (e: unknown) => e instanceof TfeError && e.code === 'E_FORMAT' && e.message.includes(file) && /signature input/.test(e.message));
  }
});

test('an input with a huge fixed dimension is refused before the bounds analysis allocates', async () => {
  const file = variant((j) => {
    Object.values(j.signature.inputs)[0].tensorShape.dim[0].size = String(2 ** 31 - 1);
  });
  await assert.rejects(compile(file), (e: unknown) => e instanceof TfeError && e.code === 'E_UNSUPPORTED' && /2147483647 elements at batch 1, over the 16777216/.test(e.message));
  assert.ok(process.resourceUsage().maxRSS / 1024 < 500, `peak RSS ${process.resourceUsage().maxRSS / 1024} MB`);
});

test('a trunc_s step with a shift outside [1, 62] is refused by the verifier (E_PLAN naming the step)', async () => {
  const { plan } = await compile(zooModelPath('A'), { inputRange: [0, 1] });
  const i = plan.steps.findIndex((st) => st.kernel === 'trunc_s');
  assert.ok(i >= 0);
  for (const bits of [0, 63, 2 ** 31, -5, 1.5]) {
    const q = JSON.parse(JSON.stringify(plan)) as typeof plan;
    q.steps[i].attrs = { ...q.steps[i].attrs, bits };
    const p = parsePlan({ ...q, planId: planDigest(q) });
    assert.throws(() => verifyPlan(p), (e: unknown) => e instanceof TfeError && e.code === 'E_PLAN' && e.message.includes(`steps[${i}] (kernel trunc_s`) && /attribute 'bits' must be an integer in \[1, 62\]/.test(e.message), String(bits));
  }
  verifyPlan(plan);
});

test('a poly_s step with fracBits outside [1, 30] or fewer than two coefficients is refused by the verifier', async () => {
  const { plan } = await compile(zooModelPath('A'), { inputRange: [0, 1], relu: 'poly' });
  const i = plan.steps.findIndex((st) => st.kernel === 'poly_s');
  assert.ok(i >= 0);
  const bad: Record<string, number | string | number[]>[] = [{ fracBits: 0 }, { fracBits: 31 }, { fracBits: 2.5 }, { coeffs: [1] }, { coeffs: 'x' }];
  for (const attrs of bad) {
    const q = JSON.parse(JSON.stringify(plan)) as typeof plan;
    q.steps[i].attrs = { ...q.steps[i].attrs, ...attrs };
    const p = parsePlan({ ...q, planId: planDigest(q) });
    assert.throws(() => verifyPlan(p), (e: unknown) => e instanceof TfeError && e.code === 'E_PLAN' && e.message.includes(`steps[${i}] (kernel poly_s`) && /poly_s: /.test(e.message), JSON.stringify(attrs));
  }
  verifyPlan(plan);
});
