/**
 * The package as another project uses it: a project in a temporary folder OUTSIDE the
 * repository with this package installed as `node_modules/tfe` (a link to the
 * repository, which is what `npm install ../tfe` makes) imports `tfe` and `tfe/client` by
 * name, no dist/ path: a script compiles zoo net A, saves and reloads it, and runs a
 * private prediction with the facade's functions; a deep import is refused by the
 * `exports` map. And the types: a TypeScript file using the API type-checks with
 * `tsc --noEmit` (module and moduleResolution nodenext) against the package's
 * declarations, and a file that misuses them fails to (so the declarations are real,
 * not `any`). Both use the program builder too: the script runs the program and
 * checks y against the hand computation.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { zooModelPath, zooSamplePath } from '../../models/index.js';
import { REPO_ROOT } from '../support/paths.js';

let app: string;

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 240_000 }, (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }));
  });
}

before(() => {
  app = mkdtempSync(join(tmpdir(), 'tfe-app-'));
  assert.ok(!app.startsWith(REPO_ROOT), 'the app is outside the repository');
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(REPO_ROOT, join(app, 'node_modules', 'tfe'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { tfe: 'file:../tfe' } }));
});
after(() => rmSync(app, { recursive: true, force: true }));

/** The program (alice, bob, model-owner, analyst) run by runLocal, for the script below. */
const PROGRAM_RUN = `
const p = program();
const ab = p.concat([p.privateInput('alice', 'a', [1, 3]), p.privateInput('bob', 'b', [1, 3])], 1);
p.reveal(p.relu(p.matmul(ab, p.privateVariable('model-owner', 'w', Float32Array.from([0.5, -1, 0.25, 0.75, -0.5, 1, 1, 0.5, -0.25, -0.75, 0.125, 0.5]), [6, 2]))), 'analyst', 'y');
const prog = await runLocal(await p.compile({ protocol: 'pond' }), { alice: { a: [[1, 2, 3]] }, bob: { b: [[4, 5, 6]] } });
`;

/** The example in TypeScript, type-checked below. */
const PROGRAM_TS = `export async function issueExample(): Promise<number[]> {
  const p = program();
  const a: ProgramTensor = p.privateInput('alice', 'a', [1, 3]);
  const b = p.privateInput('bob', 'b', [1, 3]);
  const w = p.privateVariable('model-owner', 'w', new Float32Array(12), [6, 2]);
  p.reveal(p.relu(p.matmul(p.concat([a, b], 1), w)), 'analyst', 'y');
  const compiled: Compiled = await p.compile({ protocol: 'pond' });
  const out = await runLocal(compiled, { alice: { a: [[1, 2, 3]] }, bob: { b: [[4, 5, 6]] } });
  return out.y.values;
}`;

test('a project imports tfe and tfe/client by name and runs a private prediction with them', async () => {
  writeFileSync(join(app, 'main.mjs'), `
import { program, compile, loadPlan, runLocal, writePlanDir, up, deployInit, startParty, runParty, TfeError, isErrorCode, verifyPlan } from 'tfe';
import { connect } from 'tfe/client';
import { readFileSync } from 'node:fs';
const c = await compile(${JSON.stringify(zooModelPath('A'))}, { inputRange: [0, 1] });
writePlanDir('plan', c.plan, c.weights);
const loaded = loadPlan('plan');
verifyPlan(loaded.plan);
const x = JSON.parse(readFileSync(${JSON.stringify(zooSamplePath('A'))}, 'utf8'));
const out = await runLocal(loaded, { client: { [loaded.plan.inputs[0].name]: x.input } });
const y = Object.values(out)[0];
let deep = 'exported';
try { await import('tfe/dist/runtime/api/run-local.js'); } catch (e) { deep = e.code; }
let code;
try { await runLocal(loaded, {}); } catch (e) { code = e instanceof TfeError && isErrorCode(e.code) ? e.code : String(e); }
${PROGRAM_RUN}
console.log(JSON.stringify({
  label: x.label, argmax: y.values.indexOf(Math.max(...y.values)), receiver: y.receiver,
  fns: [up, deployInit, startParty, runParty, connect].map((f) => typeof f), deep, code, prog,
}));
`);
  const r = await run(process.execPath, ['main.mjs'], app);
  assert.equal(r.code, 0, r.err);
  const o = JSON.parse(r.out) as { label: number; argmax: number; receiver: string; fns: string[]; deep: string; code: string; prog: Record<string, { values: number[]; receiver: string }> };
  assert.equal(o.argmax, o.label, 'net A classifies the held-out sample right, through the package');
  assert.equal(o.receiver, 'client');
  assert.deepEqual(o.fns, ['function', 'function', 'function', 'function', 'function']);
  assert.equal(o.deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  assert.equal(o.code, 'E_ARG');
  // y = relu([1 2 3 4 5 6] W): column 0 = 0.5 + 0.5 - 1.5 + 4 - 1.25 + 0.75 = 3, column 1 =
  // -1 + 1.5 + 3 + 2 - 3.75 + 3 = 4.75 (every value exact in binary; one truncation: ±2^-16)
  const y = o.prog.y;
  assert.equal(y.receiver, 'analyst');
  assert.ok(Math.abs(y.values[0] - 3) <= 1e-4 && Math.abs(y.values[1] - 4.75) <= 1e-4, `y = ${y.values.join(', ')}`);
});

test('the package\'s declarations type-check a user\'s TypeScript (nodenext), and refuse a misuse', async () => {
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true,
      typeRoots: [join(REPO_ROOT, 'node_modules', '@types')], types: ['node'],
    },
  };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: ['good.ts'] }));
  writeFileSync(join(app, 'good.ts'), `
import { program, type ProgramTensor } from 'tfe';
import { compile, loadPlan, runLocal, up, runParty, startParty, deployInit, TfeError, type Compiled, type RunOutputs, type RunOutput, type Plan, type ErrorCode } from 'tfe';
import { connect, type TfeClient, type ServedPrediction } from 'tfe/client';
export async function predict(dir: string, x: number[][]): Promise<number[]> {
  const compiled: Compiled = loadPlan(dir);
  const plan: Plan = compiled.plan;
  const out: RunOutputs = await runLocal(compiled, { client: { [plan.inputs[0].name]: x } });
  const y: RunOutput = out[plan.outputs[0].name];
  const p: number[] | undefined = y.probabilities;
  return p ?? y.values;
}
export async function viaProcesses(model: string): Promise<string[]> {
  const c = await compile(model, { inputRange: [0, 1], protocol: 'pond' });
  const out = await up(c, { client: { x: new Float32Array(784) } });
  const dep = await deployInit({ dir: 'dep', plan: 'plan', hosts: { server0: '127.0.0.1:4000' } });
  const s = await startParty('server0', { deployment: dep.deployment });
  await s.stop();
  const mine: RunOutputs = await runParty('client', { deployment: dep.deployment, inputs: { x: { shape: [1, 784], data: new Float64Array(784) } } });
  return [...Object.keys(out), ...Object.keys(mine)];
}
${PROGRAM_TS}
export function codeOf(e: unknown): ErrorCode | undefined {
  return e instanceof TfeError ? e.code : undefined;
}
export async function served(url: string): Promise<number> {
  const client: TfeClient = await connect(url, { caPem: '' });
  const r: ServedPrediction = await client.predict({ x: [[1, 2]] });
  return r.latencyMs;
}
`);
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const good = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  assert.equal(good.code, 0, `${good.out}${good.err}`);

  writeFileSync(join(app, 'tsconfig.bad.json'), JSON.stringify({ ...tsconfig, files: ['bad.ts'] }));
  writeFileSync(join(app, 'bad.ts'), `
import { loadPlan, runLocal } from 'tfe';
const n: number = loadPlan('plan').plan;
await runLocal(loadPlan('plan'), { client: { x: 'not numbers' } });
export { n };
`);
  const bad = await run(process.execPath, [tsc, '-p', 'tsconfig.bad.json'], app);
  assert.notEqual(bad.code, 0, 'a misuse fails to type-check');
  assert.match(bad.out, /bad\.ts\(3,7\): error TS2322/);
  assert.match(bad.out, /bad\.ts\(4,/);
});
