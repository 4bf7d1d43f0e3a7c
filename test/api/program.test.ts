/**
 * The program through the facade: `program()` with alice's and bob's private
 * inputs, the model owner's private variable and a reveal to the analyst, compiled, then
 * run by `runLocal` (in process, Pond and SecureNN) and by `up()` (every role its own
 * process), against the float64 hand computation relu([a b] W); and the plan written by
 * `writePlanDir` run by `tfe up --input alice=FILE --input bob=FILE`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { program, runLocal, up, writePlanDir, type CompileResult, type RunOutputs } from '../../src/index.js';
import { REPO_ROOT } from '../support/paths.js';

const W = Float32Array.from([0.5, -1, 0.25, 0.75, -0.5, 1, 1, 0.5, -0.25, -0.75, 0.125, 0.5]);
const A = [[1, 2, 3]];
const B = [[4, 5, 6]];
/**
 * y = relu([1 2 3 4 5 6] W): column 0 = 0.5 + 0.5 - 1.5 + 4 - 1.25 + 0.75 = 3, column 1 =
 * -1 + 1.5 + 3 + 2 - 3.75 + 3 = 4.75. At f = 16 a, b and W are exact in binary and the
 * one truncation after the matmul is exact to ±2^-16, so 1e-4 leaves room.
 */
const Y = [3, 4.75];
const TOL = 1e-4;

async function compiled(protocol: string): Promise<CompileResult> {
  const p = program();
  const a = p.privateInput('alice', 'a', [1, 3]);
  const b = p.privateInput('bob', 'b', [1, 3]);
  const w = p.privateVariable('model-owner', 'w', W, [6, 2]);
  p.reveal(p.relu(p.matmul(p.concat([a, b], 1), w)), 'analyst', 'y');
  const c = await p.compile({ protocol });
  assert.deepEqual(c.plan.roles.filter((r) => r.kind === 'input' || r.kind === 'output').map((r) => r.name).sort(), ['alice', 'analyst', 'bob', 'model-owner']);
  return c;
}

function assertY(out: RunOutputs, what: string): void {
  assert.deepEqual(Object.keys(out), ['y'], what);
  assert.equal(out.y.receiver, 'analyst', what);
  assert.deepEqual(out.y.shape, [1, 2], what);
  out.y.values.forEach((v, i) => assert.ok(Math.abs(v - Y[i]) <= TOL, `${what}: y[${i}] = ${v}, expected ${Y[i]}`));
}

test('program(): alice and bob provide, the model owner holds w, the analyst receives y (runLocal, Pond and SecureNN)', async () => {
  for (const protocol of ['pond', 'securenn']) {
    assertY(await runLocal(await compiled(protocol), { alice: { a: A }, bob: { b: B } }), `runLocal ${protocol}`);
  }
});

test('program(): up() and tfe up with every role its own process give the analyst y', async () => {
  const c = await compiled('pond');
  assertY(await up(c, { alice: { a: A }, bob: { b: Float64Array.from(B.flat()) } }), 'up()');
  const root = mkdtempSync(join(tmpdir(), 'tfe-api-program-'));
  try {
    writePlanDir(join(root, 'plan'), c.plan, c.weights);
    writeFileSync(join(root, 'alice.json'), JSON.stringify({ a: A }));
    writeFileSync(join(root, 'bob.json'), JSON.stringify({ b: B }));
    const r = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli.js'), 'up', join(root, 'plan'), '--input', `alice=${join(root, 'alice.json')}`, '--input', `bob=${join(root, 'bob.json')}`, '--json'],
        { timeout: 120_000 }, (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }));
    });
    assert.equal(r.code, 0, r.err);
    assertY((JSON.parse(r.out) as { roles: { analyst: { result: RunOutputs } } }).roles.analyst.result, 'tfe up');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
