/**
 * The program through the package's public names: `program()` with alice's and
 * bob's private inputs, the model owner's private variable and a reveal to the analyst,
 * compiled, then run by `runLocal` (in process, Pond and SecureNN) and by `up()` (every
 * role its own process), against the float64 hand computation relu([a b] W).
 *
 * `tfe` is imported by its package name at run time: until the facade re-exports the
 * builder (compiler/program is on another branch; see the TODO in src/index.ts) the
 * tests are skipped, saying so; once it does, they run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoleInputs, RunOutputs } from '../../src/index.js';

/** What these tests use of the builder (compiler/program/program.ts). */
interface Tensor { readonly shape: readonly number[] }
interface Builder {
  privateInput(role: string, name: string, shape: readonly number[]): Tensor;
  privateVariable(role: string, name: string, values: Float32Array, shape: readonly number[]): Tensor;
  concat(xs: readonly Tensor[], axis: number): Tensor;
  matmul(a: Tensor, b: Tensor): Tensor;
  relu(x: Tensor): Tensor;
  reveal(x: Tensor, role: string, name: string): void;
  compile(o: { protocol: string }): Promise<{ plan: { roles: { name: string; kind: string }[] }; weights: unknown }>;
}
interface Api {
  program?: () => Builder;
  runLocal(c: unknown, inputs: RoleInputs): Promise<RunOutputs>;
  up(c: unknown, inputs: RoleInputs): Promise<RunOutputs>;
}

const W = Float32Array.from([0.5, -1, 0.25, 0.75, -0.5, 1, 1, 0.5, -0.25, -0.75, 0.125, 0.5]);
const A = [[1, 2, 3]];
const B = [[4, 5, 6]];
/** f = 16: a, b and W are exact in binary; one truncation after the matmul (±2^-16); relu exact. 1e-4 leaves room. */
const TOL = 1e-4;

function expected(): number[] {
  const x = [...A[0], ...B[0]];
  return [0, 1].map((j) => Math.max(0, x.reduce((s, v, i) => s + v * W[i * 2 + j], 0)));
}

async function api(): Promise<Api> {
  const spec = 'tfe';
  return (await import(spec)) as Api;
}

async function compiled(a: Api, protocol: string): Promise<unknown> {
  const p = (a.program as () => Builder)();
  const x = p.concat([p.privateInput('alice', 'a', [1, 3]), p.privateInput('bob', 'b', [1, 3])], 1);
  p.reveal(p.relu(p.matmul(x, p.privateVariable('model-owner', 'w', W, [6, 2]))), 'analyst', 'y');
  const c = await p.compile({ protocol });
  assert.deepEqual(c.plan.roles.filter((r) => r.kind === 'input' || r.kind === 'output').map((r) => r.name).sort(), ['alice', 'analyst', 'bob', 'model-owner']);
  return c;
}

function assertY(out: RunOutputs, what: string): void {
  assert.deepEqual(Object.keys(out), ['y'], what);
  assert.equal(out.y.receiver, 'analyst', what);
  assert.deepEqual(out.y.shape, [1, 2], what);
  const want = expected();
  out.y.values.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= TOL, `${what}: y[${i}] = ${v}, expected ${want[i]}`));
}

test('program(): alice and bob provide, the model owner holds w, the analyst receives y (runLocal, Pond and SecureNN)', async (t) => {
  const a = await api();
  if (typeof a.program !== 'function') return t.skip('tfe does not export program yet (compiler/program not merged)');
  for (const protocol of ['pond', 'securenn']) {
    assertY(await a.runLocal(await compiled(a, protocol), { alice: { a: A }, bob: { b: B } }), `runLocal ${protocol}`);
  }
});

test('program(): up() with every role its own process gives the analyst y', async (t) => {
  const a = await api();
  if (typeof a.program !== 'function') return t.skip('tfe does not export program yet (compiler/program not merged)');
  assertY(await a.up(await compiled(a, 'pond'), { alice: { a: A }, bob: { b: B } }), 'up');
});
