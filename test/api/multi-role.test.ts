/**
 * A plan with several input and output roles through the public API and the CLI
 * (test/support/multi-role-plan.ts: relu(concat([a, b], 1) @ w) with a from alice, b from
 * bob, w from model-owner and y revealed to analyst only), against the float64 hand
 * computation: `runLocal` in one process; `up()` with every role its own process; and
 * `tfe up PLAN --input alice=FILE --input bob=FILE` (text and --json), whose errors name
 * the missing role, a role the plan lacks and a file of the wrong role; `tfe party` refuses
 * --input for a role that provides none; and a deployment made by `deployInit` whose
 * servers and dealer are `startParty` processes, model owner, alice and bob `runParty`
 * processes, and the analyst `runParty` in this process (an output-only role: batch 0).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { deployInit, program, runLocal, runParty, TfeError, up, writePlanDir, type Plan, type RunOutputs, type Weights } from '../../src/index.js';
import { multiRolePlan, reference } from '../support/multi-role-plan.js';
import { REPO_ROOT } from '../support/paths.js';
import { listening, role } from './role-child.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');
/**
 * f = 16: a and b are rounded to 2^-17, W is exact in binary, one truncation after the
 * matmul (±2^-16) and the relu is exact: |error| ≤ 6 · 8 · 2^-17 + 2^-16 < 5e-4.
 */
const TOL = 5e-4;
const A = [[1, 2, 3], [-0.5, 0.25, 4]];
const B = [[4, 5, 6], [1.5, -2, 0.125]];

let c: { plan: Plan; weights: Weights };
let root: string;
let planDir: string;

before(async () => {
  c = await multiRolePlan('pond');
  root = mkdtempSync(join(tmpdir(), 'tfe-api-multi-'));
  planDir = join(root, 'plan');
  writePlanDir(planDir, c.plan, c.weights);
  writeFileSync(join(root, 'alice.json'), JSON.stringify({ a: A }));
  writeFileSync(join(root, 'bob.json'), JSON.stringify({ b: B }));
});
after(() => rmSync(root, { recursive: true, force: true }));

function assertY(out: RunOutputs, what: string): void {
  assert.deepEqual(Object.keys(out), ['y'], `${what}: one output`);
  assert.equal(out.y.receiver, 'analyst', what);
  assert.deepEqual(out.y.shape, [2, 2], what);
  const want = reference(A.flat(), B.flat(), 2);
  out.y.values.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= TOL, `${what}: y[${i}] = ${v}, expected ${want[i]}`));
}

function tfe(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000 }, (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }));
  });
}

test('runLocal: alice and bob provide, the analyst receives y = relu([a b] W)', async () => {
  assertY(await runLocal(c, { alice: { a: A }, bob: { b: Float64Array.from(B.flat()) } }), 'runLocal');
  assertY(await runLocal(c, { alice: { a: { shape: [2, 3], data: A.flat() } }, bob: { b: B }, analyst: {} }), 'runLocal with the analyst listed');
});

test('runLocal: a missing role, a role given another\'s input, different batches', async () => {
  await assert.rejects(runLocal(c, { alice: { a: A } }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /missing the inputs of role 'bob' \('b' \[N,3\]\)/.test(e.message));
  await assert.rejects(runLocal(c, { alice: { a: A, b: B }, bob: { b: B } }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /role 'alice' was given input 'b', which role 'bob' provides/.test(e.message));
  await assert.rejects(runLocal(c, { alice: { a: A }, bob: { b: B }, analyst: { a: A } }), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /role 'analyst' provides no inputs/.test(e.message));
  await assert.rejects(runLocal(c, { alice: { a: A }, bob: { b: [B[0]] } }), (e: unknown) => e instanceof TfeError && e.code === 'E_SHAPE' && /batch sizes/.test(e.message));
});

test('up(): every role its own process gives the analyst y', async () => {
  assertY(await up(c, { alice: { a: A }, bob: { b: B } }), 'up(compiled)');
});

test('tfe up PLAN --input alice=FILE --input bob=FILE prints the analyst\'s y (text and --json)', async () => {
  const args = ['up', planDir, '--input', `alice=${join(root, 'alice.json')}`, '--input', `bob=${join(root, 'bob.json')}`];
  const json = await tfe([...args, '--json']);
  assert.equal(json.code, 0, json.err);
  const o = JSON.parse(json.out) as { roles: Record<string, { result: RunOutputs }> };
  assert.deepEqual(Object.keys(o.roles).sort(), ['alice', 'analyst', 'bob']);
  assert.deepEqual(o.roles.alice.result, {}, 'nothing is revealed to alice');
  assert.deepEqual(o.roles.bob.result, {}, 'nothing is revealed to bob');
  assertY(o.roles.analyst.result, 'tfe up --json');
  const text = await tfe(args);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /== alice ==\nalice: provided its inputs; no output of this plan is revealed to alice\n/);
  assert.match(text.out, /== analyst ==\ny \[2,2\] values: /);
  // each participant counts only the rounds it took part in: no "differ from the declared" note
  assert.doesNotMatch(text.out, /differ from the declared/);
  assert.match(text.out, /note: rounds as this role took part in them; the prediction's critical path is declared at \d+/);
});

test('tfe run on a plan with several participants says to run every role', async () => {
  const r = await tfe(['run', planDir, '--input', join(root, 'alice.json')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /error: tfe run takes one input file for one role, but this plan's predictions have several participants \(alice, bob, analyst\) \[E_ARG\]\nhint: run every role: `tfe up \S+ --input alice=FILE --input bob=FILE`/);
});

test('tfe up: a missing role, a role the plan lacks, a file of the wrong role, a bare file for several roles', async () => {
  const missing = await tfe(['up', planDir, '--input', `alice=${join(root, 'alice.json')}`]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /error: no input for role 'bob' \[E_ARG\]\nhint: give --input bob=FILE for each input role \(alice, bob\)/);
  const nosuch = await tfe(['up', planDir, '--input', `alice=${join(root, 'alice.json')}`, '--input', `carol=${join(root, 'bob.json')}`]);
  assert.match(nosuch.err, /error: --input carol=.*: the plan has no role 'carol' \[E_ARG\]/);
  const notInput = await tfe(['up', planDir, '--input', `alice=${join(root, 'alice.json')}`, '--input', `bob=${join(root, 'bob.json')}`, '--input', `analyst=${join(root, 'bob.json')}`]);
  assert.match(notInput.err, /role 'analyst' provides no inputs of this plan \[E_ARG\]/);
  const swapped = await tfe(['up', planDir, '--input', `alice=${join(root, 'bob.json')}`, '--input', `bob=${join(root, 'alice.json')}`]);
  assert.equal(swapped.code, 2);
  assert.match(swapped.err, /error: alice: .*bob\.json has no input 'a' \(nor 'input'\); it has b \[E_ARG\]\nhint: alice provides 'a'/);
  const bare = await tfe(['up', planDir, '--input', join(root, 'alice.json')]);
  assert.match(bare.err, /this plan's inputs come from several roles \(alice, bob\) \[E_ARG\]\nhint: give --input ROLE=FILE for each: --input alice=FILE --input bob=FILE/);
});

test('tfe party: --input for a role that provides none, and a role the plan lacks', async () => {
  const dep = join(root, 'dep');
  const init = await tfe(['deploy', 'init', dep, '--plan', planDir]);
  assert.equal(init.code, 0, init.err);
  const analyst = await tfe(['party', 'analyst', '--deployment', join(dep, 'deployment.json'), '--input', join(root, 'bob.json')]);
  assert.equal(analyst.code, 2);
  assert.match(analyst.err, /error: --input: role 'analyst' provides no inputs of this plan \[E_ARG\]\nhint: the inputs come from alice, bob/);
  const carol = await tfe(['party', 'carol', '--deployment', join(dep, 'deployment.json')]);
  assert.match(carol.err, /error: the plan has no role 'carol' \[E_ARG\]/);
  const alice = await tfe(['party', 'alice', '--deployment', join(dep, 'deployment.json')]);
  assert.match(alice.err, /error: alice provides inputs 'a': give them \[E_ARG\]/);
});

test('deployInit, startParty and runParty with every role its own process: alice and bob provide, the analyst gets y', async () => {
  const { deployment } = await deployInit({ dir: join(root, 'dep-api'), plan: planDir });
  const servers = ['server0', 'server1', 'dealer'].map((r) => role([r, deployment, 'server']));
  try {
    await Promise.all(servers.map(listening));
    const owner = role(['model-owner', deployment, 'input']);
    assert.equal(await owner.exited, 0, owner.err);
    writeFileSync(join(root, 'alice-api.json'), JSON.stringify({ a: A }));
    writeFileSync(join(root, 'bob-api.json'), JSON.stringify({ b: { shape: [2, 3], data: B.flat() } }));
    const alice = role(['alice', deployment, 'input', join(root, 'alice-api.json')]);
    const bob = role(['bob', deployment, 'input', join(root, 'bob-api.json')]);
    const y = await runParty('analyst', { deployment });
    assert.equal(await alice.exited, 0, alice.err);
    assert.equal(await bob.exited, 0, bob.err);
    assert.deepEqual(JSON.parse(alice.out) as unknown, {}, 'nothing is revealed to alice');
    assert.deepEqual(JSON.parse(bob.out) as unknown, {}, 'nothing is revealed to bob');
    assertY(y, 'runParty(analyst)');
  } finally {
    for (const s of servers) s.proc.stdin?.end();
    await Promise.all(servers.map((s) => Promise.race([s.exited, new Promise((r) => setTimeout(r, 5000))])));
    for (const s of servers) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  }
});

test('the weights\' owner that also receives the output shares first, then takes part: runLocal and up() (every role a process) agree with x · w', async () => {
  const p = program();
  const x = p.privateInput('alice', 'x', [1, 2]);
  const w = p.privateVariable('model-owner', 'w', [[1, 2], [3, 4]], [2, 2]);
  p.reveal(p.matmul(x, w), 'model-owner', 'y');
  const c = await p.compile();
  // [1, -0.5] · [[1, 2], [3, 4]] = [1 - 1.5, 2 - 2] = [-0.5, 0], exact in fixed point
  for (const out of [await runLocal(c, { alice: { x: [[1, -0.5]] } }), await up(c, { alice: { x: [[1, -0.5]] } })]) {
    assert.deepEqual(out, { y: { shape: [1, 2], values: [-0.5, 0], kind: 'values', receiver: 'model-owner' } });
  }
});
