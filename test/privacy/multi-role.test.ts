/**
 * Party-view privacy of a prediction with several input and output roles (issue 15:
 * runtime/party/rendezvous.ts, run-roles.ts): alice gives `a`, bob gives `b`, the
 * model owner's `w` is shared once, and only the analyst receives relu([a, b] @ w).
 *
 *  - structure: alice, bob and the model owner receive no data frame (they only send
 *    shares); the analyst receives data only from server0 and server1, and only in the
 *    prediction session (its output shares);
 *  - statistics (stats.ts, as pond.test.ts): bob's input changes (a and w fixed) between
 *    two values with the SAME output (both give y = 0, see below), so every party's view,
 *    the analyst's included, must have the same per-bit distribution under both and be
 *    uniform, at a total false-alarm rate of 1e-6 per comparison; alice's view in
 *    particular does not depend on bob's input;
 *    (ROWS rows per prediction, so that each message has enough words per bit);
 *  - the same comparison on the mutant that zeroes the input owner's mask (mutants.ts
 *    'input-mask') must find the leak, while the mutant still computes the right answer.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Plan, Weights } from '../../src/plan/index.js';
import { multiRolePlan, reference } from '../support/multi-role-plan.js';
import { describeFinding, loadRuntime, WORDS_PER_MESSAGE, type Runtime } from './harness.js';
import { DIST, mutantRoot, POND_MUTANTS, type Mutant } from './mutants.js';
import { compareViews, type BitCounts } from './stats.js';
import { ViewRecorder } from './views.js';

type RunRolesModule = typeof import('../../runtime/party/run-roles.js');

const RUNS = 8;
const ALPHA = 1e-6;
const A = [0, 0, 0];
// [0,0,0, 0,s,0] @ w = [-0.25 s, -0.75 s]: both rows' outputs are 0 for any s > 0
const B1 = [0, 2, 0];
const B2 = [0, 4, 0];
/** Rows per prediction: bob's share message has 3 · ROWS words, enough samples per bit for the comparison's power. */
const ROWS = 32;
const rows = (r: number[]): Float64Array => Float64Array.from(Array.from({ length: ROWS }, () => r).flat());
const MUTANT: Mutant = { ...(POND_MUTANTS.find((m) => m.name === 'input-mask') as Mutant), name: 'multi-role-input-mask' };

async function runRoles(rt: Runtime): Promise<RunRolesModule> {
  return (await import(pathToFileURL(join(rt.root, 'runtime/party/run-roles.js')).href)) as RunRolesModule;
}

/** RUNS fresh deployments with bob's input `b`: every party's views, and the analyst's last output. */
async function roleViews(rt: Runtime, plan: Plan, weights: Weights, b: number[], records?: ViewRecorder[]): Promise<{ counts: Map<string, BitCounts>; y: Float64Array }> {
  const { runRolesLocal } = await runRoles(rt);
  const counts = new Map<string, BitCounts>();
  let y = new Float64Array(0);
  for (let i = 0; i < RUNS; i++) {
    const rec = new ViewRecorder();
    const out = await runRolesLocal(plan, weights, {
      alice: { [plan.inputs[0].name]: { shape: [ROWS, 3], data: rows(A) } },
      bob: { [plan.inputs[1].name]: { shape: [ROWS, 3], data: rows(b) } },
    }, { links: rec.links(rt.links.memoryLinkPair) });
    y = Float64Array.from(out.analyst[plan.outputs[0].name].data);
    rec.summarise(counts, WORDS_PER_MESSAGE);
    records?.push(rec);
  }
  return { counts, y };
}

describe('privacy of a prediction with several input and output roles (pond)', () => {
  let plan: Plan;
  let weights: Weights;
  before(async () => {
    ({ plan, weights } = await multiRolePlan('pond'));
  });
  after(() => rmSync(join(DIST, '.mutants', MUTANT.name), { recursive: true, force: true }));

  test('structure, and every view independent of bob\'s input; the input-mask mutant is caught', async () => {
    const rt = await loadRuntime(DIST);
    const records: ViewRecorder[] = [];
    const v1 = await roleViews(rt, plan, weights, B1, records);
    const v2 = await roleViews(rt, plan, weights, B2);
    assert.deepEqual([...v1.y], reference([...rows(A)], [...rows(B1)], ROWS));
    assert.deepEqual([...v2.y], reference([...rows(A)], [...rows(B2)], ROWS));
    for (const rec of records) {
      for (const who of ['alice', 'bob', 'model-owner']) assert.deepEqual(rec.received.filter((m) => m.to === who && m.kind === 'data').map((m) => m.from), [], `${who} receives no data`);
      const toAnalyst = rec.received.filter((m) => m.to === 'analyst');
      assert.deepEqual([...new Set(toAnalyst.map((m) => m.from))].sort(), ['server0', 'server1']);
      assert.equal(new Set(toAnalyst.map((m) => m.session)).size, 1, 'the analyst takes part in the prediction only');
      assert.ok(rec.received.some((m) => m.from === 'bob' && m.to === 'server1'), 'bob sends server1 its share');
    }
    const { tests, findings } = compareViews(v1.counts, v2.counts, ALPHA);
    assert.ok(tests > 64 * 10, `only ${tests} per-bit tests`);
    assert.deepEqual(findings.map(describeFinding), []);

    const mutant = await loadRuntime(mutantRoot(MUTANT));
    const m1 = await roleViews(mutant, plan, weights, B1);
    const m2 = await roleViews(mutant, plan, weights, B2);
    // the mutant still computes the right answer: only what the parties see can tell
    assert.deepEqual([...m1.y], reference([...rows(A)], [...rows(B1)], ROWS));
    const caught = compareViews(m1.counts, m2.counts, ALPHA).findings;
    assert.ok(caught.length > 0, 'the input-mask mutant is not caught');
    assert.ok(caught.some((f) => f.key.includes('<-bob')), `the leak is found in what bob sends: ${[...new Set(caught.map((f) => f.key))].join('; ')}`);
  });
});
